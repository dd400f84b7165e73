// Command s3-test-server runs MinIO (embedded from its Go module) as a real S3-compatible server for
// Malted's tests of the s3 storage driver.
//
// It prints one line, "READY <endpoint>", on stdout once the server answers its health check, and exits
// when its stdin closes (so it never outlives the process that started it) or on SIGINT/SIGTERM.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	minio "github.com/minio/minio/cmd"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on (port 0 picks a free port)")
	dataDir := flag.String("data-dir", "", "directory for the objects (required)")
	accessKey := flag.String("access-key", "malted-test", "access key id (at least 3 characters)")
	secretKey := flag.String("secret-key", "malted-test-secret", "secret access key (at least 8 characters)")
	watchStdin := flag.Bool("exit-on-stdin-close", false, "exit when stdin reaches EOF")
	flag.Parse()

	if *dataDir == "" {
		fail(fmt.Errorf("-data-dir is required"))
	}
	address, err := resolvePort(*listen)
	if err != nil {
		fail(err)
	}

	os.Setenv("MINIO_ROOT_USER", *accessKey)
	os.Setenv("MINIO_ROOT_PASSWORD", *secretKey)
	os.Setenv("MINIO_BROWSER", "off") // no web console: one port, nothing else listening
	os.Setenv("MINIO_UPDATE", "off")

	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			os.Exit(0)
		}()
	}
	go func() {
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
		<-signals
		os.Exit(0) // test data lives in a temporary folder: nothing worth a graceful shutdown
	}()
	go announceWhenReady(address)

	minio.Main([]string{"minio", "server", "--quiet", "--address", address, *dataDir})
}

// resolvePort turns port 0 into a port that was free a moment ago (MinIO needs to know its port up front).
func resolvePort(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil || port != "0" {
		return listen, err
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func announceWhenReady(address string) {
	endpoint := "http://" + address
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := client.Get(endpoint + "/minio/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				fmt.Printf("READY %s\n", endpoint)
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	fail(fmt.Errorf("MinIO did not become ready on %s within 60s", address))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "s3-test-server:", err)
	os.Exit(1)
}
