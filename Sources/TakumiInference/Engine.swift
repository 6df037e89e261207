// The in-process inference engine (GGUF reader, tokenizer, Qwen2 forward pass, sampling).
