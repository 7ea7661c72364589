package sockets

/*
#cgo !windows pkg-config: libzmq
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <zmq.h>

// zmqactor_recv_batch receives up to max frames from s without blocking
// and copies them one after another into buf (cap bytes), recording each
// frame's length and more flag in info[i] (length << 1 | more). It stops
// at max frames, at EAGAIN or another error (*err, 0 if none), or at a
// frame that does not fit in what is left of buf: that frame stays in
// *big, its info recorded, and *has_big is 1; the caller takes it with
// zmqactor_take. Returns the number of frames recorded, the big one
// included. One call does what pebbe/zmq4 does with four or five per frame.
static int zmqactor_recv_batch(void *s, char *buf, size_t cap, uint64_t *info, int max,
                               zmq_msg_t *big, int *has_big, int *err) {
	size_t used = 0;
	int n = 0;
	*err = 0;
	*has_big = 0;
	while (n < max) {
		zmq_msg_t msg;
		zmq_msg_init(&msg);
		if (zmq_msg_recv(&msg, s, ZMQ_DONTWAIT) < 0) {
			int e = zmq_errno();
			zmq_msg_close(&msg);
			if (e == EINTR) {
				continue; // a signal (Go's preemption, for one): try again
			}
			*err = e;
			break;
		}
		size_t size = zmq_msg_size(&msg);
		info[n++] = ((uint64_t)size << 1) | (uint64_t)(zmq_msg_more(&msg) != 0);
		if (size > cap - used) {
			memcpy(big, &msg, sizeof msg); // the message moves to *big, not its data
			*has_big = 1;
			break;
		}
		if (size > 0) {
			memcpy(buf + used, zmq_msg_data(&msg), size);
		}
		used += size;
		zmq_msg_close(&msg);
	}
	return n;
}

// zmqactor_send_batch sends n frames, laid one after another in buf, with
// the lengths and more flags of info (as zmqactor_recv_batch records
// them), without blocking. Returns the number of frames sent; *err is the
// error that stopped it, 0 if none. ZeroMQ takes a message all or none at
// its first frame, so EAGAIN stops at a message boundary.
static int zmqactor_send_batch(void *s, const char *buf, const uint64_t *info, int n, int *err) {
	size_t at = 0;
	int i;
	*err = 0;
	for (i = 0; i < n; i++) {
		size_t size = (size_t)(info[i] >> 1);
		int flags = ZMQ_DONTWAIT | ((info[i] & 1) ? ZMQ_SNDMORE : 0);
		if (zmq_send(s, buf + at, size, flags) < 0) {
			int e = zmq_errno();
			if (e == EINTR) {
				i--; // a signal: send this frame again
				continue;
			}
			*err = e;
			break;
		}
		at += size;
	}
	return i;
}

// zmqactor_take copies the frame left in *big into dst and closes it.
static void zmqactor_take(zmq_msg_t *big, char *dst) {
	size_t size = zmq_msg_size(big);
	if (size > 0) {
		memcpy(dst, zmq_msg_data(big), size);
	}
	zmq_msg_close(big);
}
*/
import "C"

import (
	"fmt"
	"sync"
	"syscall"
	"unsafe"

	"github.com/pebbe/zmq4"
)

// Receive batches. A batch fills a scratch buffer of batchBytes in one cgo
// call, at most batchFrames frames; the frames are then copied out into one
// allocation sized to fit, so a message kept by its receiver pins only its
// batch's bytes, not the scratch buffer.
const (
	batchBytes  = 64 << 10
	batchFrames = 256
)

// batchScratch is what one batch call writes into. Pooled: a socket needs
// it only while it receives, and 10,000 idle sockets need none.
type batchScratch struct {
	buf  [batchBytes]byte
	info [batchFrames]C.uint64_t
	big  C.zmq_msg_t
}

var scratchPool = sync.Pool{New: func() any { return new(batchScratch) }}

// recvBatch receives whole messages without blocking, about maxFrames
// frames, and appends them to msgs. The frames of one batch share one
// allocation for their bytes and one for their headers. err is what ended
// the batch: EAGAIN when ZeroMQ had nothing more, nil when it was full.
// Messages arrive whole in ZeroMQ, so a message cut by the end of a batch
// is completed at once by the next call.
func (s *Socket) recvBatch(msgs [][][]byte, maxFrames int) ([][][]byte, error) {
	h, err := rawHandle(s.zs)
	if err != nil {
		return msgs, err
	}
	sc := scratchPool.Get().(*batchScratch)
	defer scratchPool.Put(sc)
	maxFrames = min(max(maxFrames, 1), batchFrames)
	var carry [][]byte // the first frames of a message cut by the batch's end
	got := 0
	for {
		var hasBig, errno C.int
		n := int(C.zmqactor_recv_batch(h, (*C.char)(unsafe.Pointer(&sc.buf[0])), C.size_t(batchBytes),
			&sc.info[0], C.int(max(maxFrames-got, 1)), &sc.big, &hasBig, &errno))
		got += n
		if n > 0 {
			var total int
			for _, in := range sc.info[:n] {
				total += int(in >> 1)
			}
			data := make([]byte, total)
			inBuf := total
			if hasBig != 0 {
				inBuf -= int(sc.info[n-1] >> 1) // the big frame comes last, and is not empty
				C.zmqactor_take(&sc.big, (*C.char)(unsafe.Pointer(&data[inBuf])))
			}
			copy(data, sc.buf[:inBuf])
			all := make([][]byte, n)
			at, first := 0, 0 // first: the first frame of the message being read
			for i, in := range sc.info[:n] {
				size := int(in >> 1)
				all[i] = data[at : at+size : at+size]
				at += size
				if in&1 != 0 {
					continue
				}
				if carry != nil {
					msgs = append(msgs, append(carry, all[first:i+1]...))
					carry = nil
				} else {
					msgs = append(msgs, all[first:i+1:i+1])
				}
				first = i + 1
			}
			if first < n {
				carry = append(carry, all[first:]...)
				continue
			}
		}
		switch {
		case errno != 0:
			return msgs, zmq4.Errno(syscall.Errno(errno))
		case hasBig != 0 && got < maxFrames:
			continue // a big frame ends a call, not the batch
		}
		return msgs, nil
	}
}

// receive receives up to max whole messages without blocking and appends
// them to msgs, in batches (recvBatch), or one message at a time through
// pebbe/zmq4 when its socket handle cannot be reached.
func (s *Socket) receive(msgs [][][]byte, max int) ([][][]byte, error) {
	if rawLayout() {
		return s.recvBatch(msgs, max)
	}
	for len(msgs) < max {
		frames, err := s.recv()
		if err != nil {
			return msgs, err
		}
		msgs = append(msgs, frames)
	}
	return msgs, nil
}

// recv receives one whole multipart message without blocking.
func (s *Socket) recv() ([][]byte, error) {
	b, err := s.zs.RecvBytes(zmq4.DONTWAIT)
	if err != nil {
		return nil, err
	}
	frames := [][]byte{b}
	for {
		more, err := s.zs.GetRcvmore()
		if err != nil {
			return nil, err
		}
		if !more {
			return frames, nil
		}
		if b, err = s.zs.RecvBytes(zmq4.DONTWAIT); err != nil {
			return nil, err
		}
		frames = append(frames, b)
	}
}

// sendBatch hands ZeroMQ as many of msgs as it takes now, without
// blocking, packing them into the scratch buffer so that one cgo call sends
// many. It returns how many whole messages were sent, and the error that
// stopped it (EAGAIN at the high-water mark). A message too large for the
// scratch buffer goes alone through sendFrames, and so does every message
// when pebbe/zmq4's socket handle cannot be reached.
func (s *Socket) sendBatch(msgs [][][]byte) (int, error) {
	if !rawLayout() {
		for i, m := range msgs {
			if err := s.sendFrames(m); err != nil {
				return i, err
			}
		}
		return len(msgs), nil
	}
	h, err := rawHandle(s.zs)
	if err != nil {
		return 0, err
	}
	sc := scratchPool.Get().(*batchScratch)
	defer scratchPool.Put(sc)
	sent := 0
	for sent < len(msgs) {
		if size, frames := messageSize(msgs[sent]); size > batchBytes || frames > batchFrames {
			if err := s.sendFrames(msgs[sent]); err != nil {
				return sent, err
			}
			sent++
			continue
		}
		// Pack whole messages while they fit.
		used, n, packed := 0, 0, 0
		for _, m := range msgs[sent:] {
			size, frames := messageSize(m)
			if used+size > batchBytes || n+frames > batchFrames {
				break
			}
			for i, f := range m {
				copy(sc.buf[used:], f)
				used += len(f)
				more := C.uint64_t(0)
				if i < len(m)-1 {
					more = 1
				}
				sc.info[n] = C.uint64_t(len(f))<<1 | more
				n++
			}
			packed++
		}
		var errno C.int
		done := int(C.zmqactor_send_batch(h, (*C.char)(unsafe.Pointer(&sc.buf[0])), &sc.info[0], C.int(n), &errno))
		// Count the whole messages among the frames sent.
		for k := 0; k < packed && done >= len(msgs[sent]); k++ {
			done -= len(msgs[sent])
			sent++
		}
		if errno != 0 {
			err := error(zmq4.Errno(syscall.Errno(errno)))
			if done > 0 {
				err = fmt.Errorf("message cut after %d of %d frames: %w", done, len(msgs[sent]), err)
			}
			return sent, err
		}
	}
	return sent, nil
}

// messageSize returns a message's bytes and frames.
func messageSize(m [][]byte) (size, frames int) {
	for _, f := range m {
		size += len(f)
	}
	return size, len(m)
}
