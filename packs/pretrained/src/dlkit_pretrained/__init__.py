"""The pretrained pack: pretrained backbones: torchvision's ImageNet ResNets and timm's model zoo, your own weights files, freezing and fine-tuning."""
