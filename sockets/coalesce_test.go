package sockets

import (
	"errors"
	"strconv"
	"testing"
)

// TestCoalesceSends: with CoalesceSends, the sends of one burst after the
// first wait for the recheck the first asked for, and count as sent only
// then (Settle sends them at once); every message arrives, in order, also
// when the high-water mark is met; held back messages never make the send
// queue refuse what it would have taken; and a ROUTER ignores the option,
// so a send's error is still that send's.
func TestCoalesceSends(t *testing.T) {
	ctx := testContext(t)
	pull, push := newOwner(t), newOwner(t)
	pull.open(ctx, Spec{Type: Pull, Binds: []string{"tcp://127.0.0.1:*"}, Options: []Option{ReceiveHWM(10)}})
	var ep string
	pull.do(func() { ep = pull.sock.Bound()[0] })
	const n = 5000
	push.openWith(ctx, Spec{Type: Push, Connects: []string{ep}, Options: []Option{SendHWM(10)}, SendQueueLimit: n},
		push.hooks(), CoalesceSends())
	var want [][][]byte
	msg := func(i int) [][]byte {
		m := [][]byte{[]byte(strconv.Itoa(i)), []byte("x")}
		want = append(want, m)
		return m
	}
	push.do(func() {
		for i := range 4 {
			if queued, err := push.sock.Send(msg(i)); err != nil || queued {
				t.Fatalf("send %d: queued %v, %v", i, queued, err)
			}
		}
		if st := push.sock.Stats(); st.Sent != 1 || st.Queued != 0 || push.sock.Queued() != 3 {
			t.Errorf("after a burst of 4: %d sent, %d queued, %d held; want 1, 0, 3", st.Sent, st.Queued, push.sock.Queued())
		}
		if err := push.sock.Settle(); err != nil {
			t.Fatal(err)
		}
		if st := push.sock.Stats(); st.Sent != 4 || push.sock.Queued() != 0 {
			t.Errorf("after Settle: %d sent, %d held; want 4, 0", st.Sent, push.sock.Queued())
		}
	})
	// Bursts larger than the high-water mark and than a held back batch.
	for b := range 10 {
		push.do(func() {
			for i := range (n - 4) / 10 {
				if _, err := push.sock.Send(msg(4 + b*(n-4)/10 + i)); err != nil {
					t.Fatalf("burst %d, send %d: %v", b, i, err)
				}
			}
		})
	}
	pull.expect(want)
	push.do(func() {
		if st := push.sock.Stats(); st.Sent != uint64(len(want)) || st.Queued == 0 || st.Refused != 0 {
			t.Errorf("at the end: %+v; want %d sent, some queued at the high-water mark, none refused", st, len(want))
		}
	})
	push.close()
	pull.close()

	// A queue limit of 5 with nothing to take the messages: as many
	// refused with CoalesceSends as without.
	refused := func(opts ...OpenOption) (accepted, refused, queued int) {
		o := newOwner(t)
		o.openWith(ctx, Spec{Type: Push, Connects: []string{"tcp://127.0.0.1:9"}, Options: []Option{SendHWM(1)}, SendQueueLimit: 5},
			o.hooks(), opts...)
		o.do(func() {
			for range 20 {
				switch _, err := o.sock.Send([][]byte{[]byte("m")}); {
				case err == nil:
					accepted++
				case errors.Is(err, ErrQueueFull):
					refused++
				default:
					t.Errorf("send: %v", err)
				}
			}
			queued = o.sock.Queued()
		})
		o.close()
		return accepted, refused, queued
	}
	a0, r0, q0 := refused()
	a1, r1, q1 := refused(CoalesceSends())
	if a0 != a1 || r0 != r1 || q0 != q1 || r1 == 0 {
		t.Errorf("past the limit: %d accepted, %d refused, %d queued with CoalesceSends; %d, %d, %d without", a1, r1, q1, a0, r0, q0)
	}

	router := newOwner(t)
	router.openWith(ctx, Spec{Type: Router, Binds: []string{"tcp://127.0.0.1:*"}, Options: []Option{RouterMandatory(true)}},
		router.hooks(), CoalesceSends())
	router.do(func() {
		for i := range 3 {
			if _, err := router.sock.Send([][]byte{[]byte("nobody"), []byte("x")}); err == nil {
				t.Errorf("send %d to an unknown peer through a ROUTER: no error", i)
			}
		}
	})
	router.close()
}
