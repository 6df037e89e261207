package config

import (
	"fmt"
	"os"
)

// Config is the server configuration.
type Config struct {
	Host    string
	Port    int
	Version string
}

func (c *Config) Addr() string { return fmt.Sprintf("%s:%d", c.Host, c.Port) }

// Load reads the configuration from the environment.
func Load() (*Config, error) {
	return &Config{Host: envOrDefault("HOST", "0.0.0.0"), Port: 8080, Version: "dev"}, nil
}

func envOrDefault(name, fallback string) string {
	if value, ok := os.LookupEnv(name); ok {
		return value
	}
	return fallback
}
