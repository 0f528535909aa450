package mms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const (
	defaultSweep = 10 * time.Minute
	// tmpPrefix starts the names of files being written; no id starts
	// with a dot.
	tmpPrefix = ".put-"
	// staleAge is how old a file without its other half (a Put cut
	// short by a crash) must be before the sweeper removes it: far longer
	// than a Put takes.
	staleAge = time.Hour
	metaExt  = ".json"
)

// DirSettings configure a Dir. Zero values take the defaults noted.
type DirSettings struct {
	// Path is the directory; it is created (0700) if missing, and made
	// 0700 if it is not.
	Path string
	// Sweep is how often expired files are removed; default 10m. Open
	// refuses expired files between sweeps.
	Sweep time.Duration
	// Now is the clock; default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Dir is a Store in a local directory, for one gateway instance: <id>
// holds a file's bytes, <id>.json its Item. Files are 0600.
type Dir struct {
	path  string
	sweep time.Duration
	now   func() time.Time
	log   *slog.Logger
}

var _ Store = (*Dir)(nil)

// dirMeta is the <id>.json file.
type dirMeta struct {
	Type    string `json:"type"`
	Name    string `json:"name"`
	Size    int64  `json:"size"`
	Expires int64  `json:"expires"` // unix ms
}

// NewDir opens the store at s.Path, creating the directory if need be.
func NewDir(s DirSettings) (*Dir, error) {
	if s.Path == "" {
		return nil, errors.New("mms: no directory")
	}
	if err := os.MkdirAll(s.Path, 0o700); err != nil {
		return nil, fmt.Errorf("mms: %w", err)
	}
	// Only the gateway reads its users' files.
	if err := os.Chmod(s.Path, 0o700); err != nil {
		return nil, fmt.Errorf("mms: %w", err)
	}
	d := &Dir{path: s.Path, sweep: s.Sweep, now: s.Now, log: s.Logger}
	if d.sweep <= 0 {
		d.sweep = defaultSweep
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	return d, nil
}

func (d *Dir) dataPath(id string) string { return filepath.Join(d.path, id) }
func (d *Dir) metaPath(id string) string { return filepath.Join(d.path, id+metaExt) }

// Put writes the bytes, then the item: a file is found only once both are
// complete.
func (d *Dir) Put(ctx context.Context, it Item, data []byte, ttl time.Duration) (string, error) {
	if err := checkPut(ctx, it, ttl); err != nil {
		return "", err
	}
	id := newID()
	it.Size, it.Expires = int64(len(data)), d.now().Add(ttl)
	meta, err := json.Marshal(dirMeta{Type: it.Type, Name: it.Name, Size: it.Size, Expires: it.Expires.UnixMilli()})
	if err != nil {
		return "", fmt.Errorf("mms: %w", err)
	}
	if err := d.write(d.dataPath(id), data); err != nil {
		return "", err
	}
	if err := d.write(d.metaPath(id), meta); err != nil {
		_ = os.Remove(d.dataPath(id))
		return "", err
	}
	return id, nil
}

// write puts data at path through a temporary file, so that nobody reads
// half a file.
func (d *Dir) write(path string, data []byte) error {
	f, err := os.CreateTemp(d.path, tmpPrefix+"*") // 0600
	if err != nil {
		return fmt.Errorf("mms: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("mms: %w", err)
	}
	return nil
}

// Open returns the file unless it has expired; an expired one is removed.
func (d *Dir) Open(ctx context.Context, id string) (Item, io.ReadSeekCloser, error) {
	if err := ctx.Err(); err != nil {
		return Item{}, nil, err
	}
	if !validID(id) {
		return Item{}, nil, ErrNotFound
	}
	it, err := d.readMeta(id)
	if err != nil {
		return Item{}, nil, err
	}
	if !d.now().Before(it.Expires) {
		d.remove(id)
		return Item{}, nil, ErrNotFound
	}
	f, err := os.Open(d.dataPath(id))
	if errors.Is(err, fs.ErrNotExist) {
		return Item{}, nil, ErrNotFound
	} else if err != nil {
		return Item{}, nil, fmt.Errorf("mms: %w", err)
	}
	if st, err := f.Stat(); err != nil || st.Size() != it.Size {
		f.Close()
		return Item{}, nil, ErrNotFound
	}
	return it, f, nil
}

// readMeta reads <id>.json; a missing or unreadable one is ErrNotFound
// (the sweeper removes the latter).
func (d *Dir) readMeta(id string) (Item, error) {
	b, err := os.ReadFile(d.metaPath(id))
	if errors.Is(err, fs.ErrNotExist) {
		return Item{}, ErrNotFound
	} else if err != nil {
		return Item{}, fmt.Errorf("mms: %w", err)
	}
	var m dirMeta
	if err := json.Unmarshal(b, &m); err != nil || m.Expires == 0 {
		return Item{}, ErrNotFound
	}
	return Item{Type: m.Type, Name: m.Name, Size: m.Size, Expires: time.UnixMilli(m.Expires)}, nil
}

// Delete removes the file.
func (d *Dir) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !validID(id) {
		return nil
	}
	return d.remove(id)
}

// remove deletes the item first, so that the file stops being served
// even if its bytes cannot be removed.
func (d *Dir) remove(id string) error {
	var errs []error
	for _, p := range []string{d.metaPath(id), d.dataPath(id)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("mms: %w", err)
	}
	return nil
}

// Run removes expired files every Sweep until ctx is done.
func (d *Dir) Run(ctx context.Context) error {
	t := time.NewTicker(d.sweep)
	defer t.Stop()
	for {
		if n, err := d.sweepOnce(); err != nil {
			d.log.Warn("mms: sweeping the media directory", "err", err)
		} else if n > 0 {
			d.log.Debug("mms: expired files removed", "files", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// sweepOnce removes expired files, unreadable items, and halves of files
// whose Put was cut short; it leaves files that are not the store's alone.
func (d *Dir) sweepOnce() (removed int, err error) {
	entries, err := os.ReadDir(d.path)
	if err != nil {
		return 0, fmt.Errorf("mms: %w", err)
	}
	now := d.now()
	stale := func(e fs.DirEntry) bool {
		info, err := e.Info()
		return err == nil && now.Sub(info.ModTime()) > staleAge
	}
	var errs []error
	drop := func(id string) {
		if err := d.remove(id); err != nil {
			errs = append(errs, err)
		} else {
			removed++
		}
	}
	for _, e := range entries {
		name := e.Name()
		switch id, isMeta := strings.CutSuffix(name, metaExt); {
		case strings.HasPrefix(name, tmpPrefix):
			if stale(e) {
				if err := os.Remove(filepath.Join(d.path, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
					errs = append(errs, err)
				}
			}
		case isMeta && validID(id):
			it, err := d.readMeta(id)
			switch {
			case errors.Is(err, ErrNotFound) && stale(e), err == nil && !now.Before(it.Expires):
				drop(id)
			case err != nil && !errors.Is(err, ErrNotFound):
				errs = append(errs, err)
			}
		case validID(name):
			if _, err := os.Stat(d.metaPath(name)); errors.Is(err, fs.ErrNotExist) && stale(e) {
				drop(name)
			}
		}
	}
	return removed, errors.Join(errs...)
}
