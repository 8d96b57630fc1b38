// Command go-smux-echo is the reference peer for the Rust smux v2 interop
// test (common/tests/smux_go_interop.rs). It uses Debian's xtaci/smux with
// Snowflake's smux settings.
//
//	go-smux-echo server
//	    Listens on 127.0.0.1:0, prints "PORT <n>", and runs a smux v2 server
//	    session on every TCP connection, echoing every stream.
//	go-smux-echo client <addr> <bytes> <streams>
//	    Opens <streams> streams on one smux v2 client session to <addr>;
//	    on each sends <bytes> pseudo-random bytes while reading the echo,
//	    compares SHA-256 and prints "OK <stream id> <hex digest>".
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/xtaci/smux"
)

// snowflakeConfig mirrors client/lib/snowflake.go and server/lib/snowflake.go.
func snowflakeConfig(keepAliveTimeout time.Duration) *smux.Config {
	config := smux.DefaultConfig()
	config.Version = 2
	config.KeepAliveTimeout = keepAliveTimeout
	config.MaxStreamBuffer = 1048576
	return config
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-smux-echo: "+format+"\n", args...)
	os.Exit(1)
}

func runServer() {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen: %v", err)
	}
	fmt.Printf("PORT %d\n", listener.Addr().(*net.TCPAddr).Port)
	for {
		conn, err := listener.Accept()
		if err != nil {
			fail("accept: %v", err)
		}
		go serveConn(conn)
	}
}

func serveConn(conn net.Conn) {
	session, err := smux.Server(conn, snowflakeConfig(4*time.Minute))
	if err != nil {
		fmt.Fprintf(os.Stderr, "smux server: %v\n", err)
		conn.Close()
		return
	}
	defer session.Close()
	for {
		stream, err := session.AcceptStream()
		if err != nil {
			return
		}
		go func() {
			// Ends with the client's FIN (io.EOF), then closes (sends FIN).
			io.Copy(stream, stream)
			stream.Close()
		}()
	}
}

// pattern is a deterministic pseudo-random byte stream (xorshift64).
func pattern(length int, seed uint64) []byte {
	state := seed*0x9e3779b97f4a7c15 | 1
	data := make([]byte, length)
	for i := range data {
		state ^= state << 13
		state ^= state >> 7
		state ^= state << 17
		data[i] = byte(state)
	}
	return data
}

func runClient(addr string, length int, streams int) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		fail("dial: %v", err)
	}
	session, err := smux.Client(conn, snowflakeConfig(10*time.Minute))
	if err != nil {
		fail("smux client: %v", err)
	}
	var wg sync.WaitGroup
	results := make(chan string, streams)
	for i := 0; i < streams; i++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			results <- exchange(session, pattern(length, seed))
		}(uint64(i + 1))
	}
	wg.Wait()
	close(results)
	ok := true
	for line := range results {
		fmt.Println(line)
		if len(line) < 2 || line[:2] != "OK" {
			ok = false
		}
	}
	session.Close()
	if !ok {
		os.Exit(1)
	}
}

// exchange sends data on a new stream while reading the echo, then checks it.
func exchange(session *smux.Session, data []byte) string {
	stream, err := session.OpenStream()
	if err != nil {
		return fmt.Sprintf("FAIL open: %v", err)
	}
	defer stream.Close()
	writeErr := make(chan error, 1)
	go func() {
		_, err := stream.Write(data)
		writeErr <- err
	}()
	echo := make([]byte, len(data))
	if _, err := io.ReadFull(bufio.NewReader(stream), echo); err != nil {
		return fmt.Sprintf("FAIL stream %d read: %v", stream.ID(), err)
	}
	if err := <-writeErr; err != nil {
		return fmt.Sprintf("FAIL stream %d write: %v", stream.ID(), err)
	}
	sent := sha256.Sum256(data)
	got := sha256.Sum256(echo)
	if !bytes.Equal(sent[:], got[:]) {
		return fmt.Sprintf("FAIL stream %d digest mismatch", stream.ID())
	}
	return fmt.Sprintf("OK %d %s", stream.ID(), hex.EncodeToString(got[:]))
}

func main() {
	if len(os.Args) >= 2 && os.Args[1] == "server" {
		runServer()
		return
	}
	if len(os.Args) == 5 && os.Args[1] == "client" {
		length, err1 := strconv.Atoi(os.Args[3])
		streams, err2 := strconv.Atoi(os.Args[4])
		if err1 != nil || err2 != nil || length < 0 || streams < 1 {
			fail("bad client arguments")
		}
		runClient(os.Args[2], length, streams)
		return
	}
	fail("usage: go-smux-echo server | go-smux-echo client <addr> <bytes> <streams>")
}
