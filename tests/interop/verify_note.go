// verify_note.go - an independent check of custody's ledger checkpoints and
// witness cosignatures with Go's golang.org/x/mod/sumdb/note (Debian's
// golang-golang-x-mod-dev), offline.  Built and run by
// tests/cli/trust_ledger.bats when Go is installed:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o verify-note verify_note.go
//	verify-note VAULT_VKEY CHECKPOINT_FILE [WITNESS_VKEY]
//
// It opens the note with the vault's verifier key (note.NewVerifier, type
// 0x01), parses the checkpoint body (origin = key name, size, base64 root),
// and, given a witness key, also requires a valid cosignature/v1 line
// (https://c2sp.org/tlog-cosignature).  x/mod's note package knows only
// Ed25519 (0x01) keys, so the cosignature verifier is this file's own, written
// from the C2SP text and plugged into note.Open through the note.Verifier
// interface: note.Open still does all the parsing of the signature lines.
// Prints "ok <origin> <size> <root>" (and "cosigned <name> <time>") and exits
// 0, or prints the error and exits 1.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

type cosigVerifier struct {
	name string
	hash uint32
	pub  ed25519.PublicKey
	time uint64
}

func (v *cosigVerifier) Name() string    { return v.name }
func (v *cosigVerifier) KeyHash() uint32 { return v.hash }
func (v *cosigVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	m := append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t)), msg...)
	if !ed25519.Verify(v.pub, m, sig[8:]) {
		return false
	}
	v.time = t
	return true
}

func newCosigVerifier(vkey string) (*cosigVerifier, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 || len(parts[1]) != 8 {
		return nil, errors.New("malformed witness key")
	}
	key, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(key) != 1+ed25519.PublicKeySize || key[0] != 0x04 {
		return nil, errors.New("witness key is not a cosignature/v1 (0x04) Ed25519 key")
	}
	h := sha256.New()
	h.Write([]byte(parts[0]))
	h.Write([]byte{'\n'})
	h.Write(key)
	want := binary.BigEndian.Uint32(h.Sum(nil)[:4])
	got, err := strconv.ParseUint(parts[1], 16, 32)
	if err != nil || uint32(got) != want {
		return nil, errors.New("witness key id does not match the key")
	}
	return &cosigVerifier{name: parts[0], hash: want, pub: ed25519.PublicKey(key[1:])}, nil
}

func main() {
	if len(os.Args) < 3 || len(os.Args) > 4 {
		fmt.Fprintln(os.Stderr, "usage: verify-note VAULT_VKEY CHECKPOINT_FILE [WITNESS_VKEY]")
		os.Exit(2)
	}
	logV, err := note.NewVerifier(os.Args[1])
	if err != nil {
		fmt.Println("vault key:", err)
		os.Exit(1)
	}
	msg, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	verifiers := []note.Verifier{logV}
	var w *cosigVerifier
	if len(os.Args) == 4 {
		if w, err = newCosigVerifier(os.Args[3]); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		verifiers = append(verifiers, w)
	}
	n, err := note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		fmt.Println("note:", err)
		os.Exit(1)
	}
	seenLog, seenW := false, false
	for _, s := range n.Sigs {
		if s.Name == logV.Name() && s.Hash == logV.KeyHash() {
			seenLog = true
		}
		if w != nil && s.Name == w.name && s.Hash == w.hash {
			seenW = true
		}
	}
	if !seenLog {
		fmt.Println("note: not signed by the vault's key")
		os.Exit(1)
	}
	if w != nil && !seenW {
		fmt.Println("note: no valid cosignature by", w.name)
		os.Exit(1)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != logV.Name() {
		fmt.Println("checkpoint: origin is not the key's name")
		os.Exit(1)
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	root, err2 := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || err2 != nil || len(root) != 32 {
		fmt.Println("checkpoint: bad size or root")
		os.Exit(1)
	}
	fmt.Printf("ok %s %d %x\n", lines[0], size, root)
	if w != nil {
		fmt.Printf("cosigned %s %d\n", w.name, w.time)
	}
}
