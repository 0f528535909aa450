package mms

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// storeKinds opens each Store implementation for a test.
var storeKinds = []struct {
	name string
	open func(t *testing.T) Store
}{
	{"dir", func(t *testing.T) Store { return openDir(t, t.TempDir(), nil) }},
	{"redis", func(t *testing.T) Store { return NewRedis(redisClient(t), "") }},
}

func openDir(t *testing.T, path string, now func() time.Time) *Dir {
	t.Helper()
	d, err := NewDir(DirSettings{Path: path, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// redisClient is a client of a redis-server private to the test.
func redisClient(t *testing.T) redis.UniversalClient {
	t.Helper()
	r := testenv.StartRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr, Protocol: 2})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func readAll(t *testing.T, st Store, id string) (Item, []byte, error) {
	t.Helper()
	it, f, err := st.Open(context.Background(), id)
	if err != nil {
		return it, nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return it, b, nil
}

// TestStores: what every Store does.
func TestStores(t *testing.T) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			st := k.open(t)
			ctx := context.Background()
			data := []byte("\xff\xd8\xff not really a JPEG")
			before := time.Now()
			id, err := st.Put(ctx, Item{Type: "image/jpeg", Name: "image.jpg"}, data, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if !validID(id) {
				t.Fatalf("id %q", id)
			}
			it, got, err := readAll(t, st, id)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) || it.Type != "image/jpeg" || it.Name != "image.jpg" || it.Size != int64(len(data)) {
				t.Errorf("got %+v %q", it, got)
			}
			if it.Expires.Before(before.Add(time.Hour-time.Second)) || it.Expires.After(time.Now().Add(time.Hour+time.Second)) {
				t.Errorf("expires %v, want in an hour", it.Expires)
			}
			id2, err := st.Put(ctx, Item{Type: "text/plain; charset=utf-8", Name: "file.txt"}, nil, time.Hour)
			if err != nil || id2 == id {
				t.Fatalf("second put: %q %v", id2, err)
			}
			if it, got, err := readAll(t, st, id2); err != nil || len(got) != 0 || it.Type != "text/plain; charset=utf-8" {
				t.Errorf("empty file: %+v %q %v", it, got, err)
			}
			if err := st.Delete(ctx, id); err != nil {
				t.Fatal(err)
			}
			if err := st.Delete(ctx, id); err != nil {
				t.Errorf("deleting twice: %v", err)
			}
			for _, bad := range []string{id, newID(), "", "../../etc/passwd", id + ".json", id[:len(id)-1]} {
				if _, _, err := readAll(t, st, bad); !errors.Is(err, ErrNotFound) {
					t.Errorf("Open(%q) = %v, want ErrNotFound", bad, err)
				}
			}
			if _, _, err := readAll(t, st, id2); err != nil {
				t.Errorf("the other file went too: %v", err)
			}
			for _, bad := range []struct {
				it  Item
				ttl time.Duration
			}{
				{Item{Type: "image/png", Name: "../x.png"}, time.Hour},
				{Item{Type: "image/png", Name: ".htaccess"}, time.Hour},
				{Item{Type: "image/png", Name: ""}, time.Hour},
				{Item{Type: "image/png", Name: "a b.png"}, time.Hour},
				{Item{Type: "", Name: "a.png"}, time.Hour},
				{Item{Type: "image/png", Name: "a.png"}, 0},
			} {
				if _, err := st.Put(ctx, bad.it, data, bad.ttl); !errors.Is(err, ErrBadItem) {
					t.Errorf("Put(%+v, %v) = %v, want ErrBadItem", bad.it, bad.ttl, err)
				}
			}
		})
	}
}

// TestRedisExpiry: Redis deletes files itself, at their lifetime.
func TestRedisExpiry(t *testing.T) {
	rdb := redisClient(t)
	st := NewRedis(rdb, "sb:")
	ctx := context.Background()
	id, err := st.Put(ctx, Item{Type: "audio/amr", Name: "audio.amr"}, []byte("#!AMR"), 72*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if ttl := rdb.PTTL(ctx, "sb:mms:"+id).Val(); ttl < 71*time.Hour || ttl > 72*time.Hour {
		t.Errorf("PTTL = %v, want 72h", ttl)
	}
	id, err = st.Put(ctx, Item{Type: "audio/amr", Name: "audio.amr"}, []byte("#!AMR"), 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if _, _, err := readAll(t, st, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired file: %v", err)
	}
	if n := rdb.Exists(ctx, "sb:mms:"+id).Val(); n != 0 {
		t.Error("key still there")
	}
	// A key without an expiry was not written by Put: never served.
	id = newID()
	rdb.HSet(ctx, "sb:mms:"+id, "type", "text/html", "name", "x.html", "data", "<script>")
	if _, _, err := readAll(t, st, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("key without expiry: %v", err)
	}
	if err := st.Run(ctx); err != nil {
		t.Error(err)
	}
}
