// Command go-peer is the reference peer for the Rust interop tests. It uses
// Debian's golang-github-xtaci-kcp-dev and golang-github-xtaci-smux-dev with
// Snowflake's settings, in one of two modes:
//
//	go-peer kcp server
//	go-peer kcp client <addr> <bytes> <seed>
//	    What Snowflake speaks between client and server: Turbo Tunnel over a
//	    byte stream, kcp-go, smux v2 (kcp.go; common/tests/kcp_go_interop.rs).
//	go-peer smux server
//	go-peer smux client <addr> <bytes> <streams>
//	    smux v2 straight over TCP (smux.go; common/tests/smux_go_interop.rs).
//
// A server listens on 127.0.0.1:0, prints "PORT <n>" and echoes every smux
// stream of every session. A client sends pseudo-random bytes on its
// streams while reading the echo, compares SHA-256 digests and prints one
// "OK ..." line per stream; it exits 1 on any failure.
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/xtaci/smux"
)

const usage = "usage: go-peer kcp server | go-peer kcp client <addr> <bytes> <seed> | " +
	"go-peer smux server | go-peer smux client <addr> <bytes> <streams>"

// smuxConfig mirrors client/lib/snowflake.go and server/lib/snowflake.go.
func smuxConfig(keepAliveTimeout time.Duration) *smux.Config {
	config := smux.DefaultConfig()
	config.Version = 2
	config.KeepAliveTimeout = keepAliveTimeout
	config.MaxStreamBuffer = 1048576
	return config
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-peer: "+format+"\n", args...)
	os.Exit(1)
}

// listen listens on 127.0.0.1:0 and prints "PORT <n>".
func listen() net.Listener {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen: %v", err)
	}
	fmt.Printf("PORT %d\n", listener.Addr().(*net.TCPAddr).Port)
	return listener
}

// serveEcho runs an smux server session on conn and echoes every stream;
// each echo ends with the peer's FIN (io.EOF), then closes (sends FIN).
func serveEcho(conn io.ReadWriteCloser) {
	defer conn.Close()
	session, err := smux.Server(conn, smuxConfig(4*time.Minute))
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-peer: smux server: %v\n", err)
		return
	}
	defer session.Close()
	for {
		stream, err := session.AcceptStream()
		if err != nil {
			return
		}
		go func() {
			io.Copy(stream, stream)
			stream.Close()
		}()
	}
}

// clientArgs parses "<addr> <bytes> <n>" of a client command line.
func clientArgs(args []string) (string, int, uint64) {
	if len(args) != 3 {
		fail("%s", usage)
	}
	length, err1 := strconv.Atoi(args[1])
	n, err2 := strconv.ParseUint(args[2], 10, 64)
	if err1 != nil || err2 != nil || length < 0 {
		fail("bad client arguments")
	}
	return args[0], length, n
}

func main() {
	if len(os.Args) < 3 {
		fail("%s", usage)
	}
	mode, role, rest := os.Args[1], os.Args[2], os.Args[3:]
	switch {
	case mode == "kcp" && role == "server" && len(rest) == 0:
		runKCPServer()
	case mode == "kcp" && role == "client":
		addr, length, seed := clientArgs(rest)
		runKCPClient(addr, length, seed)
	case mode == "smux" && role == "server" && len(rest) == 0:
		runSmuxServer()
	case mode == "smux" && role == "client":
		addr, length, streams := clientArgs(rest)
		if streams < 1 {
			fail("bad client arguments")
		}
		runSmuxClient(addr, length, int(streams))
	default:
		fail("%s", usage)
	}
}
