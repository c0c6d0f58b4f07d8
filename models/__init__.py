"""SpeedNet: the network, the preprocessing shared by training and inference, data, training
and inference. Never imports the player or Qt."""
