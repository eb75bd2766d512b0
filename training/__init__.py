"""Building regsec models: the labeled corpus, its checks, training and evaluation."""
