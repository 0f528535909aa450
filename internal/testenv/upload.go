package testenv

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const nsUpload = "urn:xmpp:http:upload:0"

// uploadSlot is a XEP-0363 slot: where to PUT, with which headers, and
// where the file is then fetched.
type uploadSlot struct {
	Put struct {
		URL     string `xml:"url,attr"`
		Headers []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:",chardata"`
		} `xml:"header"`
	} `xml:"slot>put"`
	Get struct {
		URL string `xml:"url,attr"`
	} `xml:"slot>get"`
}

// Upload shares data as a client does before sending a picture: a XEP-0363
// slot request to service (Prosody.UploadDomain), then an HTTP PUT. It
// returns the URL to send (as a XEP-0066 link). Only loopback URLs are
// used: the test's Prosody never hands out others.
func (c *Client) Upload(ctx context.Context, service, name, contentType string, data []byte) (string, error) {
	id := "upload-" + strconv.Itoa(len(data)) + "-" + name
	var req strings.Builder
	req.WriteString(`<iq type="get" id="`)
	_ = xml.EscapeText(&req, []byte(id))
	req.WriteString(`" to="`)
	_ = xml.EscapeText(&req, []byte(service))
	fmt.Fprintf(&req, `"><request xmlns="%s" size="%d" filename="`, nsUpload, len(data))
	_ = xml.EscapeText(&req, []byte(name))
	req.WriteString(`" content-type="`)
	_ = xml.EscapeText(&req, []byte(contentType))
	req.WriteString(`"/></iq>`)
	if err := c.Send(ctx, req.String()); err != nil {
		return "", err
	}
	res, err := c.Expect(ctx, func(s Stanza) bool { return s.Name == "iq" && s.ID == id })
	if err != nil {
		return "", err
	}
	if res.Type != "result" {
		return "", fmt.Errorf("testenv: upload slot refused: %s", res.Raw)
	}
	var slot uploadSlot
	if err := xml.Unmarshal([]byte(res.Raw), &slot); err != nil || slot.Put.URL == "" || slot.Get.URL == "" {
		return "", fmt.Errorf("testenv: no slot in %s (%v)", res.Raw, err)
	}
	for _, u := range []string{slot.Put.URL, slot.Get.URL} {
		if p, err := url.Parse(u); err != nil || p.Hostname() != "127.0.0.1" {
			return "", fmt.Errorf("testenv: slot URL %q is not on loopback", u)
		}
	}
	put, err := http.NewRequestWithContext(ctx, http.MethodPut, slot.Put.URL, bytes.NewReader(data))
	if err != nil {
		return "", err
	}
	put.Header.Set("Content-Type", contentType)
	for _, h := range slot.Put.Headers {
		// XEP-0363 allows only these; anything else is the server's bug.
		switch http.CanonicalHeaderKey(h.Name) {
		case "Authorization", "Cookie", "Expires":
			put.Header.Set(h.Name, strings.TrimSpace(h.Value))
		}
	}
	resp, err := http.DefaultClient.Do(put)
	if err != nil {
		return "", fmt.Errorf("testenv: upload: %w", err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("testenv: upload PUT %s: %s: %s", slot.Put.URL, resp.Status, body)
	}
	return slot.Get.URL, nil
}
