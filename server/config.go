package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// config is every setting of the server, read from the environment. Defaults suit the demo.
type config struct {
	Port             int           // PORT [8080]
	ListenHost       string        // LISTEN_HOST [all interfaces]; `make run` sets 127.0.0.1 for the demo
	DatabaseURL      string        // DATABASE_URL (required; `make run` sets it to the embedded cluster)
	DemoData         bool          // DEMO_DATA [false]: load the Stains sample data once
	CORSOrigins      []string      // CORS_ALLOWED_ORIGINS, comma-separated [none]
	MaxBodyBytes     int64         // MAX_BODY_BYTES [65536]
	RequestTimeout   time.Duration // REQUEST_TIMEOUT [10s]: deadline of every operation
	StatementTimeout time.Duration // STATEMENT_TIMEOUT [5s]: PostgreSQL statement_timeout
	LockTimeout      time.Duration // LOCK_TIMEOUT [3s]: PostgreSQL lock_timeout
	MaxConns         int32         // DATABASE_MAX_CONNS [10]
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		Port: 8080, MaxBodyBytes: 64 << 10, RequestTimeout: 10 * time.Second,
		StatementTimeout: 5 * time.Second, LockTimeout: 3 * time.Second, MaxConns: 10,
	}
	var errs []string
	intVar := func(name string, dst *int) {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				errs = append(errs, name+" must be a positive integer")
			}
			*dst = n
		}
	}
	durationVar := func(name string, dst *time.Duration) {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				errs = append(errs, name+" must be a positive duration like 5s")
			}
			*dst = d
		}
	}
	intVar("PORT", &c.Port)
	c.ListenHost = getenv("LISTEN_HOST")
	c.DatabaseURL = getenv("DATABASE_URL")
	if c.DatabaseURL == "" {
		errs = append(errs, "DATABASE_URL is not set (`make run` starts a local PostgreSQL and sets it)")
	}
	c.DemoData = getenv("DEMO_DATA") == "1" || getenv("DEMO_DATA") == "true"
	for _, o := range strings.Split(getenv("CORS_ALLOWED_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.CORSOrigins = append(c.CORSOrigins, o)
		}
	}
	body := int(c.MaxBodyBytes)
	intVar("MAX_BODY_BYTES", &body)
	c.MaxBodyBytes = int64(body)
	durationVar("REQUEST_TIMEOUT", &c.RequestTimeout)
	durationVar("STATEMENT_TIMEOUT", &c.StatementTimeout)
	durationVar("LOCK_TIMEOUT", &c.LockTimeout)
	conns := int(c.MaxConns)
	intVar("DATABASE_MAX_CONNS", &conns)
	c.MaxConns = int32(conns)
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}
