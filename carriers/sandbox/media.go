package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/switchboard-gw/switchboard/carriers"
)

// mediaPath is where the sandbox serves the pictures phones send. The
// URLs are capabilities (128 random bits), like a carrier's media URLs:
// the gateway fetches them without the page's token.
const mediaPath = "/sandbox/media/"

// pictureExt is the file extension of the picture types a phone may send
// from the page, told by what the bytes are (http.DetectContentType),
// never by what the page says.
func pictureExt(typ string) (string, bool) {
	switch typ {
	case "image/png":
		return ".png", true
	case "image/jpeg":
		return ".jpg", true
	case "image/gif":
		return ".gif", true
	case "image/webp":
		return ".webp", true
	}
	return "", false
}

// Errors of AddMedia.
var (
	ErrNotPicture   = errors.New("sandbox: not a picture (PNG, JPEG, GIF or WebP)")
	ErrMediaTooBig  = errors.New("sandbox: picture too large")
	ErrNoSuchMedia  = errors.New("sandbox: no such picture (pictures expire; upload it again)")
	errNotOurMedia  = errors.New("sandbox: not a sandbox media URL")
	errEmptyPicture = errors.New("sandbox: empty picture")
)

// held is one picture the sandbox hosts.
type held struct {
	file string // id and extension: the last element of its URL
	typ  string
	data []byte
	at   time.Time
}

// AddMedia hosts a picture a phone sends from the page, in memory, until
// it expires with the messages (TTL) or newer pictures push it out of the
// MaxMediaBytes budget. It returns the picture's path under /sandbox/media/
// (its file name) and its content type.
func (c *Carrier) AddMedia(data []byte) (file, typ string, err error) {
	if len(data) == 0 {
		return "", "", errEmptyPicture
	}
	if max := c.Limits().MaxMediaBytes; int64(len(data)) > max {
		return "", "", fmt.Errorf("%w: %d bytes; a message may carry at most %d", ErrMediaTooBig, len(data), max)
	}
	typ, _, _ = strings.Cut(http.DetectContentType(data), ";")
	ext, ok := pictureExt(typ)
	if !ok {
		return "", "", fmt.Errorf("%w: the file looks like %s", ErrNotPicture, typ)
	}
	h := &held{file: newToken() + ext, typ: typ, data: bytes.Clone(data), at: time.Now()}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expireLocked()
	c.media[h.file] = h
	c.mediaOrder = append(c.mediaOrder, h.file)
	c.mediaBytes += int64(len(data))
	// Oldest first out, never the one just added.
	for c.mediaBytes > c.set.MaxMediaBytes && len(c.mediaOrder) > 1 {
		c.dropMediaLocked(c.mediaOrder[0])
	}
	return h.file, typ, nil
}

// Media returns a hosted picture by its file name.
func (c *Carrier) Media(file string) (typ string, data []byte, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expireLocked()
	h, ok := c.media[file]
	if !ok {
		return "", nil, ErrNoSuchMedia
	}
	return h.typ, h.data, nil
}

// dropMediaLocked forgets one picture.
func (c *Carrier) dropMediaLocked(file string) {
	h, ok := c.media[file]
	if !ok {
		return
	}
	delete(c.media, file)
	c.mediaBytes -= int64(len(h.data))
	for i, f := range c.mediaOrder {
		if f == file {
			c.mediaOrder = append(c.mediaOrder[:i], c.mediaOrder[i+1:]...)
			break
		}
	}
}

// expireMediaLocked forgets pictures past the TTL, and those only the
// dropped messages showed.
func (c *Carrier) expireMediaLocked(dropped []Entry) {
	cut := time.Now().Add(-c.set.TTL)
	for len(c.mediaOrder) > 0 && c.media[c.mediaOrder[0]].at.Before(cut) {
		c.dropMediaLocked(c.mediaOrder[0])
	}
	for _, e := range dropped {
		for _, m := range e.Media {
			if f, ok := mediaFile(m.URL); ok && !c.shownLocked(m.URL) {
				c.dropMediaLocked(f)
			}
		}
	}
}

// shownLocked reports whether a kept message shows the media URL u.
func (c *Carrier) shownLocked(u string) bool {
	for _, e := range c.entries {
		for _, m := range e.Media {
			if m.URL == u {
				return true
			}
		}
	}
	return false
}

// mediaFile is the file name in a sandbox media URL (either origin: the
// address a request came to or public_url).
func mediaFile(u string) (string, bool) {
	p, err := url.Parse(u)
	if err != nil || !strings.HasPrefix(p.Path, mediaPath) {
		return "", false
	}
	f := path.Base(p.Path)
	return f, f != "" && f == strings.TrimPrefix(p.Path, mediaPath)
}

// heldMedia resolves the media URLs the page names in a send to the
// pictures the sandbox holds, at base (the gateway's address).
func (c *Carrier) heldMedia(base string, urls []string) ([]carriers.Media, int64, error) {
	var out []carriers.Media
	var total int64
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expireLocked()
	for _, u := range urls {
		f, ok := mediaFile(u)
		if !ok {
			f = u // the page may name the file alone
		}
		h, ok := c.media[f]
		if !ok {
			return nil, 0, fmt.Errorf("%w: %q", ErrNoSuchMedia, u)
		}
		total += int64(len(h.data))
		out = append(out, carriers.Media{URL: base + mediaPath + h.file, Type: h.typ})
	}
	return out, total, nil
}

// AuthorizeMedia implements carriers.MediaAuthorizer: the sandbox's media
// need no credentials, but a URL that is not the sandbox's own, at
// public_url, is refused, so a message from the page cannot make the
// gateway fetch anything else.
func (c *Carrier) AuthorizeMedia(req *http.Request) error {
	pub, err := url.Parse(c.set.PublicURL)
	if err != nil || pub.Host == "" || req.URL.Host != pub.Host || req.URL.Scheme != pub.Scheme {
		return fmt.Errorf("%w: %s", errNotOurMedia, req.URL.Redacted())
	}
	if _, ok := mediaFile(req.URL.String()); !ok {
		return fmt.Errorf("%w: %s", errNotOurMedia, req.URL.Redacted())
	}
	return nil
}
