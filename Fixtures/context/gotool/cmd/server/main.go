package main

import (
	"log"
	"net/http"

	"example.com/gotool/internal/config"
	"example.com/gotool/internal/httpx"
)

func main() {
	cfg, err := config.Load()
	if err != nil {
		log.Fatal(err)
	}
	router := httpx.NewRouter(cfg)
	if err := http.ListenAndServe(cfg.Addr(), router); err != nil {
		log.Fatal(err)
	}
}
