"""LitData chunks: a data module's samples written once, already resized and as uint8
(`make optimize`), then streamed to every rank and node from a local folder or `s3://…`
(`data=litdata`)."""
