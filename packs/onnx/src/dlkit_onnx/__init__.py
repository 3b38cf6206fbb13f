"""The onnx pack: `make export format=onnx`: an ONNX file, run back by ONNX Runtime."""
