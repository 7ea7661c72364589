package sockets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// ErrBadCertificate is the error of a certificate file that cannot be used:
// not ZPL text, no public key, a public key that does not match the secret
// key, or a secret certificate that others may read. Errors name the file
// and line, never a key.
var ErrBadCertificate = errors.New("zmqactor: bad CURVE certificate")

// SecretSuffix ends the name of a secret certificate file: Save writes the
// public certificate at path and the secret one at path+SecretSuffix, as
// CZMQ's zcert does.
const SecretSuffix = "_secret"

// Certificate is a CURVE key pair with metadata, stored in the ZPL text files
// of CZMQ's zcert (ZeroMQ RFC 4): a public certificate to share with peers,
// and a secret certificate, readable only by its owner, for the socket that
// uses the key pair. The zero value is not a certificate: Public is required.
// A Certificate is a plain value; Metadata is shared by copies. Save,
// LoadCertificate and LoadPublicKeys are safe for concurrent use.
type Certificate struct {
	// Public is the public key, always present.
	Public Key
	// Secret is the secret key, or the zero Key for a public certificate
	// (one loaded from a shared file, or made to be saved as one).
	Secret Key
	// Metadata holds the entries of the certificate's "metadata" section,
	// such as "name" or "email". Names are ZPL names without "/"; values
	// are one line of text without both kinds of quote. May be nil.
	Metadata map[string]string
}

// NewCertificate generates a certificate with a new key pair (NewKeyPair)
// and no metadata.
func NewCertificate() (Certificate, error) {
	public, secret, err := NewKeyPair()
	if err != nil {
		return Certificate{}, err
	}
	return Certificate{Public: public, Secret: secret}, nil
}

// Save writes c's public certificate at path, mode 0644, with its public key
// and metadata, and, when c has a secret key, its secret certificate at
// path+SecretSuffix, mode 0600, which adds the secret key. Each file is
// written to a temporary file in the same directory, created 0600 and given
// its final mode before any key is written, then renamed over the old one:
// a reader sees the old file or the new one, never half of one, and an old
// secret file with a wider mode is replaced. A
// certificate without a secret key writes only the public file and leaves
// any secret file at path+SecretSuffix alone. Save refuses a zero public key,
// a secret key that does not match the public key, and metadata it cannot
// write as ZPL, with ErrBadCertificate; a failure to write wraps the fs
// error.
func (c Certificate) Save(path string) error {
	if c.Public.IsZero() {
		return fmt.Errorf("%w: save %s: no public key", ErrBadCertificate, path)
	}
	if !c.Secret.IsZero() {
		if err := c.checkPair(); err != nil {
			return fmt.Errorf("%w: save %s: %w", ErrBadCertificate, path, err)
		}
	}
	// The public certificate's body; the secret one adds the secret key.
	var body strings.Builder
	body.WriteString("metadata\n")
	for _, name := range slices.Sorted(maps.Keys(c.Metadata)) {
		line, err := zplProperty(name, c.Metadata[name])
		if err != nil {
			return fmt.Errorf("%w: save %s: %w", ErrBadCertificate, path, err)
		}
		body.WriteString(line)
	}
	body.WriteString("curve\n")
	body.WriteString(`    public-key = "` + c.Public.String() + "\"\n")
	if !c.Secret.IsZero() {
		secret := secretHeader + body.String() + `    secret-key = "` + c.Secret.String() + "\"\n"
		if err := writeFileAtomic(path+SecretSuffix, []byte(secret), 0o600); err != nil {
			return err
		}
	}
	return writeFileAtomic(path, []byte(publicHeader+body.String()), 0o644)
}

const publicHeader = `#   ZeroMQ CURVE public certificate (ZPL), written by zmqactor.
#   Give it to the peers that must know this key; check its contents
#   with its owner after you receive it.

`

const secretHeader = `#   ZeroMQ CURVE SECRET certificate (ZPL), written by zmqactor.
#   It holds a secret key: keep it readable only by its owner, and never
#   copy it to another machine. Share the public certificate instead.

`

// LoadCertificate reads the certificate at path: a public certificate, a
// secret one (its name ends with SecretSuffix), or a public one whose secret
// certificate exists at path+SecretSuffix, which is then read too and must
// hold the same public key. The metadata of the public file wins over that
// of the secret file. A file holding a secret key is refused when its mode
// lets group or others in (mode&0o077 != 0), as ssh refuses a private key;
// a secret key that does not give the public key is refused too. Errors wrap
// ErrBadCertificate, and ErrBadKey for bad key text, or the fs error.
func LoadCertificate(path string) (Certificate, error) {
	c, err := readCertificate(path)
	if err != nil || strings.HasSuffix(path, SecretSuffix) {
		return c, err
	}
	secretPath := path + SecretSuffix
	if _, err := os.Lstat(secretPath); errors.Is(err, fs.ErrNotExist) {
		return c, nil
	} else if err != nil {
		return Certificate{}, fmt.Errorf("zmqactor: load certificate: %w", err)
	}
	s, err := readCertificate(secretPath)
	if err != nil {
		return Certificate{}, err
	}
	if s.Secret.IsZero() {
		return Certificate{}, fmt.Errorf("%w: %s: no curve/secret-key", ErrBadCertificate, secretPath)
	}
	if s.Public != c.Public {
		return Certificate{}, fmt.Errorf("%w: %s and %s hold different public keys", ErrBadCertificate, path, secretPath)
	}
	c.Secret = s.Secret
	for name, value := range s.Metadata {
		if _, ok := c.Metadata[name]; !ok {
			if c.Metadata == nil {
				c.Metadata = make(map[string]string)
			}
			c.Metadata[name] = value
		}
	}
	return c, nil
}

// LoadPublicKeys returns the public keys of the certificates in dir, sorted
// by their bytes and without duplicates: every regular file (or link to one)
// directly in dir, except dotfiles and names ending with SecretSuffix. Any
// other file that is not a certificate fails the whole call with an error
// naming it, so a typo never silently drops a peer. A directory without
// certificates gives no keys and no error. Errors wrap ErrBadCertificate
// (and ErrBadKey for bad key text), or the fs error.
func LoadPublicKeys(dir string) ([]Key, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("zmqactor: load public keys: %w", err)
	}
	var keys []Key
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || strings.HasSuffix(name, SecretSuffix) {
			continue
		}
		path := filepath.Join(dir, name)
		info, err := os.Stat(path) // follows links
		if err != nil {
			return nil, fmt.Errorf("zmqactor: load public keys: %w", err)
		}
		if !info.Mode().IsRegular() {
			continue
		}
		c, err := readCertificate(path)
		if err != nil {
			return nil, err
		}
		keys = append(keys, c.Public)
	}
	slices.SortFunc(keys, func(a, b Key) int { return bytes.Compare(a[:], b[:]) })
	return slices.Compact(keys), nil
}

// checkPair reports whether c's secret key gives its public key.
func (c Certificate) checkPair() error {
	public, err := PublicKeyOf(c.Secret)
	if err != nil {
		return err
	}
	if public != c.Public {
		return errors.New("the public key does not match the secret key")
	}
	return nil
}

// readCertificate reads the one certificate file at path.
func readCertificate(path string) (Certificate, error) {
	f, err := os.Open(path)
	if err != nil {
		return Certificate{}, fmt.Errorf("zmqactor: load certificate: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Certificate{}, fmt.Errorf("zmqactor: load certificate: %w", err)
	}
	if !info.Mode().IsRegular() {
		return Certificate{}, fmt.Errorf("%w: %s is not a regular file", ErrBadCertificate, path)
	}
	// The name says secret: check before reading, then again by contents.
	insecure := runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0
	if insecure && strings.HasSuffix(path, SecretSuffix) {
		return Certificate{}, unprotected(path, info.Mode())
	}
	const maxSize = 64 << 10 // a certificate is a few hundred bytes
	data, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return Certificate{}, fmt.Errorf("zmqactor: load certificate: %w", err)
	}
	if len(data) > maxSize {
		return Certificate{}, fmt.Errorf("%w: %s is too large for a certificate", ErrBadCertificate, path)
	}
	c, err := parseCertificate(data)
	if err != nil {
		return Certificate{}, fmt.Errorf("%w: %s: %w", ErrBadCertificate, path, err)
	}
	if !c.Secret.IsZero() {
		if insecure {
			return Certificate{}, unprotected(path, info.Mode())
		}
		if err := c.checkPair(); err != nil {
			return Certificate{}, fmt.Errorf("%w: %s: %w", ErrBadCertificate, path, err)
		}
	}
	return c, nil
}

func unprotected(path string, mode fs.FileMode) error {
	return fmt.Errorf("%w: secret certificate %s has permissions %04o, open to group or others; chmod 600 it",
		ErrBadCertificate, path, mode.Perm())
}

// parseCertificate reads a certificate from ZPL text. Errors give a line
// number and never the text, which may hold a key.
func parseCertificate(data []byte) (Certificate, error) {
	props, err := parseZPL(data)
	if err != nil {
		return Certificate{}, err
	}
	var c Certificate
	for _, p := range props {
		switch {
		case p.path == "curve/public-key":
			if c.Public, err = ParseKey(p.value); err != nil {
				return Certificate{}, fmt.Errorf("line %d: curve/public-key: %w", p.line, err)
			}
			if c.Public.IsZero() {
				return Certificate{}, fmt.Errorf("line %d: curve/public-key: %w: the zero key", p.line, ErrBadKey)
			}
		case p.path == "curve/secret-key":
			if c.Secret, err = ParseKey(p.value); err != nil {
				return Certificate{}, fmt.Errorf("line %d: curve/secret-key: %w", p.line, err)
			}
			if c.Secret.IsZero() {
				return Certificate{}, fmt.Errorf("line %d: curve/secret-key: %w: the zero key", p.line, ErrBadKey)
			}
		case strings.HasPrefix(p.path, "metadata/") && strings.Count(p.path, "/") == 1:
			if c.Metadata == nil {
				c.Metadata = make(map[string]string)
			}
			c.Metadata[strings.TrimPrefix(p.path, "metadata/")] = p.value
		}
	}
	if c.Public.IsZero() {
		return Certificate{}, errors.New("no curve/public-key")
	}
	return c, nil
}

// zplProp is one name = value line of a ZPL file, named by its path of
// section names joined with "/".
type zplProp struct {
	path, value string
	line        int
}

// parseZPL reads the properties of ZPL text (RFC 4): one property a line,
// indented 4 spaces per level under the property that contains it, with
// "name", "name = value", '#' comments and blank lines. It accepts more than
// it writes: CR, LF or CRLF line ends, a tab for a level, values quoted with
// " or ' or not at all (an unquoted value ends at a '#' after a space, so
// Z85 text, which has '#', survives). A name given twice is an error.
func parseZPL(data []byte) ([]zplProp, error) {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	var (
		props []zplProp
		stack []string
		seen  = make(map[string]bool)
	)
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		col, rest := 0, line
	indent:
		for len(rest) > 0 {
			switch rest[0] {
			case ' ':
				col++
			case '\t':
				col += 4 - col%4
			default:
				break indent
			}
			rest = rest[1:]
		}
		if rest == "" || rest[0] == '#' {
			continue
		}
		if col%4 != 0 {
			return nil, fmt.Errorf("line %d: indented %d columns, not a multiple of 4", n, col)
		}
		level := col / 4
		if level > len(stack) {
			return nil, fmt.Errorf("line %d: indented deeper than its section", n)
		}
		end := 0
		for end < len(rest) && isZPLNameByte(rest[end]) {
			end++
		}
		if end == 0 {
			return nil, fmt.Errorf("line %d: a property name starts with a letter, digit or one of $-_@.&+/", n)
		}
		name, after := rest[:end], strings.TrimLeft(rest[end:], " \t")
		stack = append(stack[:level], name)
		path := strings.Join(stack, "/")
		if seen[path] {
			return nil, fmt.Errorf("line %d: a property given twice", n)
		}
		seen[path] = true
		if after == "" || after[0] == '#' {
			continue // a section
		}
		if after[0] != '=' {
			return nil, fmt.Errorf("line %d: want '=' after the property name", n)
		}
		value, err := zplValue(strings.TrimLeft(after[1:], " \t"))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		props = append(props, zplProp{path: path, value: value, line: n})
	}
	return props, nil
}

// zplValue reads a value and what may follow it on its line: spaces and a
// comment.
func zplValue(s string) (string, error) {
	if s != "" && (s[0] == '"' || s[0] == '\'') {
		end := strings.IndexByte(s[1:], s[0])
		if end < 0 {
			return "", errors.New("a quoted value has no closing quote")
		}
		value, rest := s[1:1+end], strings.TrimLeft(s[2+end:], " \t")
		if rest != "" && rest[0] != '#' {
			return "", errors.New("text after a quoted value")
		}
		return value, nil
	}
	end := len(s)
	for i := 1; i < len(s); i++ {
		if s[i] == '#' && (s[i-1] == ' ' || s[i-1] == '\t') {
			end = i
			break
		}
	}
	return strings.TrimRight(s[:end], " \t"), nil
}

func isZPLNameByte(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("$-_@.&+/", b) >= 0
}

// zplProperty formats one metadata entry as an indented ZPL line.
func zplProperty(name, value string) (string, error) {
	if name == "" || strings.Contains(name, "/") || strings.IndexFunc(name, func(r rune) bool {
		return r > 0x7f || !isZPLNameByte(byte(r))
	}) >= 0 {
		return "", fmt.Errorf("metadata name %q: want letters, digits and $-_@.&+", name)
	}
	if strings.ContainsAny(value, "\r\n\x00") {
		return "", fmt.Errorf("metadata %q: a value is one line", name)
	}
	quote := `"`
	if strings.Contains(value, `"`) {
		if strings.Contains(value, "'") {
			return "", fmt.Errorf("metadata %q: a value cannot hold both kinds of quote", name)
		}
		quote = "'"
	}
	return "    " + name + " = " + quote + value + quote + "\n", nil
}

// writeFileAtomic writes data to a new file in path's directory, created
// with mode perm (os.CreateTemp makes it 0600 and Chmod then sets perm, so
// the file is never more open than perm), syncs it and renames it to path.
// The temporary file's name starts with a dot, so a reader of the directory
// skips it, and it is removed on failure.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("zmqactor: save certificate: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
			err = fmt.Errorf("zmqactor: save certificate %s: %w", path, err)
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
