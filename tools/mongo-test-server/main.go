// Command mongo-test-server runs an embedded FerretDB 1.x (a MongoDB wire-protocol server on SQLite or
// PostgreSQL) for Malted's tests and for local development where no mongod is installed.
//
// It prints one line, "READY <mongodb uri>", on stdout once it accepts connections, and shuts down
// cleanly on SIGINT/SIGTERM or when its stdin closes (so it never outlives the process that started it).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on (port 0 picks a free port)")
	handler := flag.String("handler", "sqlite", "storage backend: sqlite or postgresql")
	sqliteDir := flag.String("sqlite-dir", "", "directory for SQLite databases (required for sqlite)")
	postgresURL := flag.String("postgresql-url", os.Getenv("FERRETDB_POSTGRESQL_URL"), "PostgreSQL URL (required for postgresql; default $FERRETDB_POSTGRESQL_URL)")
	watchStdin := flag.Bool("exit-on-stdin-close", false, "exit when stdin reaches EOF")
	logLevel := flag.String("log-level", "error", "debug, info, warn or error")
	flag.Parse()

	if err := run(*listen, *handler, *sqliteDir, *postgresURL, *watchStdin, *logLevel); err != nil {
		fmt.Fprintln(os.Stderr, "mongo-test-server:", err)
		os.Exit(1)
	}
}

func run(listen, handler, sqliteDir, postgresURL string, watchStdin bool, logLevel string) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("bad -log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	cfg := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: listen},
		Logger:   logger,
		Handler:  handler,
	}
	switch handler {
	case "sqlite":
		if sqliteDir == "" {
			return fmt.Errorf("-sqlite-dir is required for the sqlite handler")
		}
		abs, err := filepath.Abs(sqliteDir)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return err
		}
		cfg.SQLiteURL = "file:" + abs + "/"
	case "postgresql":
		if postgresURL == "" {
			return fmt.Errorf("-postgresql-url is required for the postgresql handler")
		}
		cfg.PostgreSQLURL = postgresURL
	default:
		return fmt.Errorf("unknown -handler %q (want sqlite or postgresql)", handler)
	}

	f, err := ferretdb.New(cfg)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	switch handler {
	case "sqlite":
		go keepIDLookupIndexes(ctx, strings.TrimPrefix(cfg.SQLiteURL, "file:"), time.Second, logger)
	case "postgresql":
		go keepEqualityIndexes(ctx, postgresURL, time.Second, logger)
	}

	uri := f.MongoDBURI() // blocks until the listener is bound
	if err := waitForTCP(ctx, uri); err != nil {
		return err
	}
	fmt.Printf("READY %s\n", uri)

	return <-done
}

// waitForTCP dials the listener until it accepts, so READY means a client can connect right away.
func waitForTCP(ctx context.Context, uri string) error {
	host := uri[len("mongodb://"):]
	if i := strings.IndexByte(host, '/'); i >= 0 {
		host = host[:i]
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", host, time.Second)
		if err == nil {
			return conn.Close()
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("listener %s never accepted: %w", host, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
