package mms

import (
	"mime"
	"strings"
)

// extensions maps the content types MMS carries to file extensions. A
// fixed table rather than the system's mime.types, so that names do not
// depend on the host.
var extensions = map[string]string{
	"image/jpeg":                   ".jpg",
	"image/jpg":                    ".jpg",
	"image/pjpeg":                  ".jpg",
	"image/png":                    ".png",
	"image/gif":                    ".gif",
	"image/webp":                   ".webp",
	"image/bmp":                    ".bmp",
	"image/heic":                   ".heic",
	"image/heif":                   ".heif",
	"image/avif":                   ".avif",
	"image/tiff":                   ".tiff",
	"image/svg+xml":                ".svg",
	"audio/amr":                    ".amr",
	"audio/amr-wb":                 ".awb",
	"audio/mpeg":                   ".mp3",
	"audio/mp3":                    ".mp3",
	"audio/mp4":                    ".m4a",
	"audio/aac":                    ".aac",
	"audio/ogg":                    ".ogg",
	"audio/opus":                   ".opus",
	"audio/wav":                    ".wav",
	"audio/x-wav":                  ".wav",
	"audio/webm":                   ".weba",
	"audio/3gpp":                   ".3gp",
	"audio/3gpp2":                  ".3g2",
	"audio/midi":                   ".mid",
	"video/mp4":                    ".mp4",
	"video/mpeg":                   ".mpeg",
	"video/3gpp":                   ".3gp",
	"video/3gpp2":                  ".3g2",
	"video/quicktime":              ".mov",
	"video/webm":                   ".webm",
	"video/h264":                   ".264",
	"text/plain":                   ".txt",
	"text/vcard":                   ".vcf",
	"text/x-vcard":                 ".vcf",
	"text/directory":               ".vcf",
	"text/calendar":                ".ics",
	"text/x-vcalendar":             ".vcs",
	"text/csv":                     ".csv",
	"text/html":                    ".html",
	"application/pdf":              ".pdf",
	"application/smil":             ".smil",
	"application/rtf":              ".rtf",
	"application/zip":              ".zip",
	"application/vnd.apple.pkpass": ".pkpass",
}

// normalType is the content type a file is kept and served with: the
// lower-case media type, with its charset for text, or "" when s is not a
// content type.
func normalType(s string) string {
	mt, params, err := mime.ParseMediaType(s)
	if err != nil || !strings.Contains(mt, "/") {
		return ""
	}
	if cs := params["charset"]; cs != "" && strings.HasPrefix(mt, "text/") {
		return mime.FormatMediaType(mt, map[string]string{"charset": cs})
	}
	return mt
}

// fileName is the name a file of content type t gets in its URL:
// image.jpg, audio.amr, file.pdf, file.bin for types not in the table.
func fileName(t string) string {
	mt, _, _ := mime.ParseMediaType(t)
	ext, ok := extensions[mt]
	if !ok {
		ext = ".bin"
	}
	base := "file"
	if major, _, _ := strings.Cut(mt, "/"); ok && (major == "image" || major == "audio" || major == "video") {
		base = major
	}
	return base + ext
}

// inline reports whether a browser may show a file of content type t in
// place: images, audio and video, whose decoders run no code. Everything
// else (HTML, SVG, XML, PDF, text that a browser might render) is served
// as an attachment.
func inline(t string) bool {
	mt, _, err := mime.ParseMediaType(t)
	if err != nil {
		return false
	}
	major, sub, _ := strings.Cut(mt, "/")
	switch major {
	case "image", "audio", "video":
		// image/svg+xml runs scripts; any +xml subtype may be XML that a
		// browser renders as a document.
		return !strings.Contains(sub, "xml") && !strings.Contains(sub, "html")
	}
	return false
}
