"""The pretrained pack: torchvision's ImageNet ResNets, timm's model zoo and your own weights
files as backbones, with freezing and fine-tuning."""
