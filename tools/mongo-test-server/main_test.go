package main

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// planOfIDLookup is how SQLite runs the query FerretDB sends for a find by _id alone on the collection's table.
func planOfIDLookup(t *testing.T, dir, database, collection string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, database+".sqlite")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var table string
	if err := db.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = ?`, collection).Scan(&table); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM "`+table+`" WHERE _ferretdb_sjson->'$._id' = ?`, `"x"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var details []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		details = append(details, detail)
	}
	return strings.Join(details, "; ")
}

// startFerretDB runs FerretDB with cfg on a free port of 127.0.0.1 until ctx ends and returns a client of it.
func startFerretDB(ctx context.Context, t *testing.T, cfg *ferretdb.Config) *mongo.Client {
	t.Helper()
	cfg.Listener = ferretdb.ListenerConfig{TCP: "127.0.0.1:0"}
	f, err := ferretdb.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = f.Run(ctx) }()
	client, err := mongo.Connect(ctx, options.Client().ApplyURI(f.MongoDBURI()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return client
}

func TestLookupsByIDUseAnIndex(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	logger := slog.New(slog.DiscardHandler)
	client := startFerretDB(ctx, t, &ferretdb.Config{Logger: logger, Handler: "sqlite", SQLiteURL: "file:" + dir + "/"})
	posts := client.Database("malted").Collection("posts")
	ids := make([]any, 100)
	for i := range ids {
		ids[i] = bson.D{{Key: "_id", Value: primitive.NewObjectID()}, {Key: "n", Value: i}}
	}
	if _, err := posts.InsertMany(ctx, ids); err != nil {
		t.Fatal(err)
	}

	// FerretDB's own _id index is of no use to its lookups (if this fails, FerretDB fixed it: drop id_lookup.go).
	if plan := planOfIDLookup(t, dir, "malted", "posts"); !strings.HasPrefix(plan, "SCAN") {
		t.Fatalf("before: want a table scan, SQLite plans %q", plan)
	}

	go keepIDLookupIndexes(ctx, dir, 50*time.Millisecond, logger)
	waitForIndex := func(collection string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			plan := planOfIDLookup(t, dir, "malted", collection)
			if strings.Contains(plan, "USING INDEX") && strings.Contains(plan, "_id_lookup") {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no index for lookups by _id, SQLite plans %q", collection, plan)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitForIndex("posts")

	// A collection made while the server runs gets its index too.
	if _, err := client.Database("malted").Collection("later").InsertOne(ctx, bson.D{{Key: "n", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	waitForIndex("later")

	// Lookups by _id still find exactly their document.
	want := ids[42].(bson.D)
	var got bson.M
	if err := posts.FindOne(ctx, bson.D{{Key: "_id", Value: want[0].Value}}).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got["n"] != int32(42) {
		t.Fatalf("found %v, want n=42", got)
	}
	if err := posts.FindOne(ctx, bson.D{{Key: "_id", Value: primitive.NewObjectID()}}).Err(); err != mongo.ErrNoDocuments {
		t.Fatalf("an unknown _id: want no document, got %v", err)
	}
}
