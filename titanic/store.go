package titanic

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/zmqactor/zmqactor/messages"
)

// The store's buckets: entries by request id, and the ids of the requests
// that wait for a reply, by a sequence number that keeps their order.
var (
	entriesBucket = []byte("entries")
	waitingBucket = []byte("waiting")
)

// store keeps the requests and replies in a bbolt file. Every change is a
// bbolt transaction, written and synced to disk before it returns: a
// request is on disk before its client is answered.
type store struct {
	db *bolt.DB
}

// openStore opens (or creates) the file at path. Another process that has
// it open makes it wait up to a second, then fail.
func openStore(path string) (*store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrStore, path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{entriesBucket, waitingBucket} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrStore, path, err)
	}
	return &store{db: db}, nil
}

func (s *store) close() error { return s.db.Close() }

// add keeps a new request, waiting for its reply.
func (s *store) add(id, service string, request [][]byte) error {
	data, err := proto.Marshal(&messages.TitanicEntry{Service: service, Request: request})
	if err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		w := tx.Bucket(waitingBucket)
		seq, err := w.NextSequence()
		if err != nil {
			return err
		}
		if err := tx.Bucket(entriesBucket).Put([]byte(id), data); err != nil {
			return err
		}
		return w.Put(seqKey(seq), []byte(id))
	})
}

// get returns the entry of id, or nil if there is none.
func (s *store) get(id string) (*messages.TitanicEntry, error) {
	var e *messages.TitanicEntry
	err := s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(entriesBucket).Get([]byte(id))
		if data == nil {
			return nil
		}
		e = &messages.TitanicEntry{}
		return proto.Unmarshal(data, e)
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	return e, nil
}

// answer keeps the reply of the request id, which waited as seq.
func (s *store) answer(seq uint64, id string, reply [][]byte) error {
	return s.update(func(tx *bolt.Tx) error {
		entries := tx.Bucket(entriesBucket)
		if data := entries.Get([]byte(id)); data != nil { // else closed meanwhile
			e := &messages.TitanicEntry{}
			if err := proto.Unmarshal(data, e); err != nil {
				return err
			}
			e.Reply, e.Answered = reply, true
			out, err := proto.Marshal(e)
			if err != nil {
				return err
			}
			if err := entries.Put([]byte(id), out); err != nil {
				return err
			}
		}
		return tx.Bucket(waitingBucket).Delete(seqKey(seq))
	})
}

// remove forgets the request id and its reply; a waiting id whose entry is
// gone is dropped by next.
func (s *store) remove(id string) error {
	return s.update(func(tx *bolt.Tx) error { return tx.Bucket(entriesBucket).Delete([]byte(id)) })
}

// next returns the first waiting request from seq from on: its sequence
// number, id and entry. ok is false when there is none.
func (s *store) next(from uint64) (seq uint64, id string, e *messages.TitanicEntry, ok bool, err error) {
	var stale [][]byte
	err = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(waitingBucket).Cursor()
		for k, v := c.Seek(seqKey(from)); k != nil; k, v = c.Next() {
			data := tx.Bucket(entriesBucket).Get(v)
			if data == nil {
				stale = append(stale, append([]byte(nil), k...))
				continue
			}
			e = &messages.TitanicEntry{}
			if err := proto.Unmarshal(data, e); err != nil {
				return err
			}
			seq, id, ok = binary.BigEndian.Uint64(k), string(v), true
			return nil
		}
		return nil
	})
	if err == nil && len(stale) > 0 {
		err = s.update(func(tx *bolt.Tx) error {
			for _, k := range stale {
				if err := tx.Bucket(waitingBucket).Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		return 0, "", nil, false, fmt.Errorf("%w: %w", ErrStore, err)
	}
	return seq, id, e, ok, nil
}

// waiting counts the requests that wait for a reply.
func (s *store) waiting() (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(waitingBucket).Stats().KeyN
		return nil
	})
	return n, err
}

func (s *store) update(f func(*bolt.Tx) error) error {
	if err := s.db.Update(f); err != nil {
		if errors.Is(err, ErrStore) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	return nil
}

func seqKey(seq uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, seq)
	return k
}
