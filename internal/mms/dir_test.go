package mms

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// clock is a settable time for the directory store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *clock { return &clock{t: time.Now()} }

func exists(t *testing.T, path string) bool {
	t.Helper()
	_, err := os.Stat(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

// TestDirPermissions: only the gateway's user reads the files, even in a
// directory made by someone else with a wider mode.
func TestDirPermissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "media")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	d := openDir(t, path, nil)
	id, err := d.Put(context.Background(), Item{Type: "image/png", Name: "image.png"}, []byte("png"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{path: 0o700 | os.ModeDir, d.dataPath(id): 0o600, d.metaPath(id): 0o600} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode() != want {
			t.Errorf("%s: mode %v, want %v", filepath.Base(p), st.Mode(), want)
		}
	}
	nested := openDir(t, filepath.Join(t.TempDir(), "a", "b"), nil)
	if st, err := os.Stat(nested.path); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("created directory: %v %v", st.Mode(), err)
	}
	if _, err := NewDir(DirSettings{Path: filepath.Join(d.dataPath(id), "sub")}); err == nil {
		t.Error("a directory under a file opened")
	}
}

// TestDirExpiredNeverServed: an expired file is refused, and removed, by
// Open before any sweep.
func TestDirExpiredNeverServed(t *testing.T) {
	c := newClock()
	d := openDir(t, t.TempDir(), c.now)
	id, err := d.Put(context.Background(), Item{Type: "image/png", Name: "image.png"}, []byte("png"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c.add(time.Hour - time.Millisecond)
	if _, _, err := readAll(t, d, id); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	c.add(time.Millisecond)
	if _, _, err := readAll(t, d, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("at expiry: %v", err)
	}
	if exists(t, d.dataPath(id)) || exists(t, d.metaPath(id)) {
		t.Error("expired file left on disk")
	}
}

// TestDirSweeper: Run removes expired files, and the halves of files
// whose Put was cut short once they are old, and nothing else; it ends
// with its context.
func TestDirSweeper(t *testing.T) {
	c := newClock()
	path := t.TempDir()
	d, err := NewDir(DirSettings{Path: path, Now: c.now, Sweep: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	short, err := d.Put(ctx, Item{Type: "image/png", Name: "image.png"}, []byte("png"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	long, err := d.Put(ctx, Item{Type: "image/png", Name: "image.png"}, []byte("png"), 3*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data string) string {
		p := filepath.Join(path, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	old := c.now().Add(-2 * time.Hour)
	orphanData := write(newID(), "half a put")
	orphanMeta := write(newID()+metaExt, "{not json")
	oldTmp := write(tmpPrefix+"123", "x")
	freshTmp := write(tmpPrefix+"456", "x")
	foreign := write("README", "not ours")
	for _, p := range []string{orphanData, orphanMeta, oldTmp, foreign} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	c.add(2 * time.Minute)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(rctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for exists(t, d.dataPath(short)) || exists(t, orphanData) || exists(t, orphanMeta) || exists(t, oldTmp) {
		if time.Now().After(deadline) {
			t.Fatal("sweeper did not remove the expired file and the leftovers")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	if exists(t, d.metaPath(short)) {
		t.Error("expired item left")
	}
	for _, p := range []string{d.dataPath(long), d.metaPath(long), freshTmp, foreign} {
		if !exists(t, p) {
			t.Errorf("%s removed", filepath.Base(p))
		}
	}
}
