// Mode "kcp": what Snowflake speaks between client and server. Turbo
// Tunnel (token + ClientID preamble, then encapsulated packets) over a byte
// stream, kcp-go 5.6.1 (no crypto, no FEC) and smux v2.
//
//	go-peer kcp server
//	    Each TCP connection starts with the 16-byte preamble; its packets go
//	    to one kcp.ServeConn listener with the ClientID (hex) as the source
//	    address, as in snowflake-server. Every smux stream of every session
//	    is echoed.
//	go-peer kcp client <addr> <bytes> <seed>
//	    Connects to <addr>, writes the preamble with a random ClientID, runs
//	    kcp.NewConn2 + an smux v2 client over it, opens one stream, sends
//	    <bytes> pseudo-random bytes while reading the echo, compares SHA-256,
//	    prints "OK <hex digest>" and exits 0 (1 on any failure).
//
// Packet queues are 512 packets each way and drop when full, like
// Snowflake's QueuePacketConn and RedialPacketConn.

package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/xtaci/kcp-go"
	"github.com/xtaci/smux"
)

// token starts every Turbo Tunnel client stream (common/turbotunnel/consts.go).
var token = []byte{0x12, 0x93, 0x60, 0x5d, 0x27, 0x81, 0x75, 0xf5}

const queueSize = 512

// ---- encapsulation (docs/protocol.md §1.2) ----

var errTooLong = errors.New("encapsulation: length prefix longer than 3 bytes")

// appendPacket appends one data chunk with the shortest length prefix.
func appendPacket(dst, p []byte) []byte {
	n := len(p)
	switch {
	case n <= 0x3f:
		dst = append(dst, 0x80|byte(n))
	case n <= 0x1fff:
		dst = append(dst, 0xc0|byte(n>>7), byte(n&0x7f))
	default:
		dst = append(dst, 0xc0|byte(n>>14), 0x80|byte((n>>7)&0x7f), byte(n&0x7f))
	}
	return append(dst, p...)
}

// readPacket returns the next data chunk, skipping padding chunks.
func readPacket(r *bufio.Reader) ([]byte, error) {
	for {
		first, err := r.ReadByte()
		if err != nil {
			return nil, err // io.EOF here is a clean end
		}
		isData := first&0x80 != 0
		length := int(first & 0x3f)
		more := first&0x40 != 0
		for i := 1; more; i++ {
			if i == 3 {
				return nil, errTooLong
			}
			b, err := r.ReadByte()
			if err != nil {
				return nil, io.ErrUnexpectedEOF
			}
			length = length<<7 | int(b&0x7f)
			more = b&0x80 != 0
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(r, body); err != nil {
			return nil, io.ErrUnexpectedEOF
		}
		if isData {
			return body, nil
		}
	}
}

// writeLoop encapsulates queued packets onto w, one write per batch.
func writeLoop(w io.Writer, queue <-chan []byte, done <-chan struct{}) {
	var buf []byte
	for {
		select {
		case p := <-queue:
			buf = appendPacket(buf[:0], p)
		more:
			for len(buf) < 64*1024 {
				select {
				case p := <-queue:
					buf = appendPacket(buf, p)
				default:
					break more
				}
			}
			if _, err := w.Write(buf); err != nil {
				return
			}
		case <-done:
			return
		}
	}
}

// ---- packet connections ----

// clientID is the address type: Snowflake's server keys KCP sessions by
// the ClientID's hex string.
type clientID [8]byte

func (c clientID) Network() string { return "turbotunnel" }
func (c clientID) String() string  { return hex.EncodeToString(c[:]) }

type packet struct {
	data []byte
	from net.Addr
}

// queueConn is a net.PacketConn over bounded packet queues. The server has
// one per process (incoming from every client, outgoing per ClientID);
// the client has one for its single TCP connection.
type queueConn struct {
	incoming chan packet
	mu       sync.Mutex
	outgoing map[string]chan []byte
	done     chan struct{}
	once     sync.Once
}

func newQueueConn() *queueConn {
	return &queueConn{
		incoming: make(chan packet, queueSize),
		outgoing: make(map[string]chan []byte),
		done:     make(chan struct{}),
	}
}

// queueIncoming never blocks: a full queue drops the packet.
func (c *queueConn) queueIncoming(p []byte, from net.Addr) {
	select {
	case c.incoming <- packet{p, from}:
	default:
	}
}

func (c *queueConn) outgoingQueue(addr net.Addr) chan []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	q, ok := c.outgoing[addr.String()]
	if !ok {
		q = make(chan []byte, queueSize)
		c.outgoing[addr.String()] = q
	}
	return q
}

func (c *queueConn) ReadFrom(p []byte) (int, net.Addr, error) {
	select {
	case pkt := <-c.incoming:
		return copy(p, pkt.data), pkt.from, nil
	case <-c.done:
		return 0, nil, io.ErrClosedPipe
	}
}

// WriteTo never blocks (kcp-go calls it with its session lock held): a
// full queue drops the packet.
func (c *queueConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	buf := make([]byte, len(p))
	copy(buf, p)
	select {
	case c.outgoingQueue(addr) <- buf:
	default:
	}
	return len(p), nil
}

func (c *queueConn) Close() error {
	c.once.Do(func() { close(c.done) })
	return nil
}

func (c *queueConn) LocalAddr() net.Addr                { return clientID{} }
func (c *queueConn) SetDeadline(t time.Time) error      { return nil }
func (c *queueConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *queueConn) SetWriteDeadline(t time.Time) error { return nil }

// readLoop decapsulates packets from r into c as coming from `from`.
func readLoop(r io.Reader, c *queueConn, from net.Addr) error {
	br := bufio.NewReaderSize(r, 64*1024)
	for {
		p, err := readPacket(br)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		c.queueIncoming(p, from)
	}
}

// ---- Snowflake settings ----

func configureKCP(conn *kcp.UDPSession) {
	conn.SetStreamMode(true)
	conn.SetWindowSize(65535, 65535)
	conn.SetNoDelay(0, 0, 0, 1)
}

// ---- server ----

func runKCPServer() {
	listener := listen()
	pconn := newQueueConn()
	kcpListener, err := kcp.ServeConn(nil, 0, 0, pconn)
	if err != nil {
		fail("kcp.ServeConn: %v", err)
	}
	go acceptSessions(kcpListener)
	for {
		conn, err := listener.Accept()
		if err != nil {
			fail("accept: %v", err)
		}
		go serveTCP(conn, pconn)
	}
}

func serveTCP(conn net.Conn, pconn *queueConn) {
	defer conn.Close()
	var preamble [16]byte
	if _, err := io.ReadFull(conn, preamble[:]); err != nil {
		return
	}
	if !bytes.Equal(preamble[:8], token) {
		fmt.Fprintf(os.Stderr, "go-peer: connection without Turbo Tunnel token\n")
		return
	}
	var id clientID
	copy(id[:], preamble[8:])
	done := make(chan struct{})
	defer close(done)
	go writeLoop(conn, pconn.outgoingQueue(id), done)
	if err := readLoop(conn, pconn, id); err != nil {
		fmt.Fprintf(os.Stderr, "go-peer: %s: %v\n", id, err)
	}
}

func acceptSessions(ln *kcp.Listener) {
	for {
		conn, err := ln.AcceptKCP()
		if err != nil {
			fail("AcceptKCP: %v", err)
		}
		configureKCP(conn)
		go serveEcho(conn)
	}
}

// ---- client ----

// kcpPattern is a deterministic pseudo-random byte stream (xorshift64*).
func kcpPattern(length int, seed uint64) []byte {
	state := seed ^ 0x2545f4914f6cdd1d
	if state == 0 {
		state = 1
	}
	data := make([]byte, length)
	for i := range data {
		state ^= state >> 12
		state ^= state << 25
		state ^= state >> 27
		data[i] = byte((state * 0x2545f4914f6cdd1d) >> 56)
	}
	return data
}

// serverAddr is the fixed remote address snowflake-client gives kcp-go.
type serverAddr struct{}

func (serverAddr) Network() string { return "dummy" }
func (serverAddr) String() string  { return "dummy" }

func runKCPClient(addr string, length int, seed uint64) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		fail("dial: %v", err)
	}
	var id clientID
	if _, err := rand.Read(id[:]); err != nil {
		fail("random ClientID: %v", err)
	}
	// Two writes, as snowflake-client's two DataChannel sends.
	if _, err := conn.Write(token); err != nil {
		fail("write token: %v", err)
	}
	if _, err := conn.Write(id[:]); err != nil {
		fail("write ClientID: %v", err)
	}
	pconn := newQueueConn()
	done := make(chan struct{})
	go writeLoop(conn, pconn.outgoingQueue(serverAddr{}), done)
	go func() {
		err := readLoop(conn, pconn, serverAddr{})
		select {
		case <-done: // closed by us after success
		default:
			if err != nil {
				fmt.Fprintf(os.Stderr, "go-peer: read: %v\n", err)
			}
		}
		pconn.Close()
	}()

	kcpConn, err := kcp.NewConn2(serverAddr{}, nil, 0, 0, pconn)
	if err != nil {
		fail("kcp.NewConn2: %v", err)
	}
	configureKCP(kcpConn)
	session, err := smux.Client(kcpConn, smuxConfig(10*time.Minute))
	if err != nil {
		fail("smux client: %v", err)
	}
	stream, err := session.OpenStream()
	if err != nil {
		fail("open stream: %v", err)
	}
	data := kcpPattern(length, seed)
	writeErr := make(chan error, 1)
	go func() {
		_, err := stream.Write(data)
		writeErr <- err
	}()
	echo := make([]byte, length)
	if _, err := io.ReadFull(stream, echo); err != nil {
		fail("read echo: %v", err)
	}
	if err := <-writeErr; err != nil {
		fail("write: %v", err)
	}
	sent := sha256.Sum256(data)
	got := sha256.Sum256(echo)
	if !bytes.Equal(sent[:], got[:]) {
		fail("echo digest %x differs from sent %x", got, sent)
	}
	fmt.Printf("OK %s\n", hex.EncodeToString(got[:]))
	stream.Close()
	session.Close()
	kcpConn.Close()
	close(done)
	conn.Close()
}
