// dns-responder stands in for the coredns backend of the suite's UDPRoute test (base manifests: Deployment coredns,
// Service coredns port 53/UDP). It answers what upstream's Corefile answers locally: `whoami` for foo.bar.com
// (an A or AAAA record of the client's address, as coredns's whoami plugin does). Every other name gets REFUSED
// instead of being forwarded: upstream's Corefile forwards them to 8.8.8.8, a packet this harness must never send.
//
// Why not coredns itself: the test only needs a DNS answer to arrive through the Gateway (conformance
// tests/udproute-simple.go accepts any response), and coredns is a large module to build for that; miekg/dns is
// already a dependency of the suite.
//
//	dns-responder -listen 10.78.0.130:53
package main

import (
	"flag"
	"log"
	"net"
	"strings"

	"github.com/miekg/dns"
)

const whoamiZone = "foo.bar.com."

func main() {
	listen := flag.String("listen", ":53", "UDP address to serve")
	flag.Parse()
	dns.HandleFunc(".", func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		if len(r.Question) != 1 || !strings.EqualFold(r.Question[0].Name, whoamiZone) {
			m.Rcode = dns.RcodeRefused
		} else if ip := clientIP(w.RemoteAddr()); ip != nil {
			hdr := dns.RR_Header{Name: r.Question[0].Name, Class: dns.ClassINET, Ttl: 0}
			if v4 := ip.To4(); v4 != nil {
				hdr.Rrtype = dns.TypeA
				m.Extra = append(m.Extra, &dns.A{Hdr: hdr, A: v4})
			} else {
				hdr.Rrtype = dns.TypeAAAA
				m.Extra = append(m.Extra, &dns.AAAA{Hdr: hdr, AAAA: ip})
			}
		}
		if err := w.WriteMsg(m); err != nil {
			log.Printf("reply to %s: %v", w.RemoteAddr(), err)
		}
		log.Printf("%s %v -> %s", w.RemoteAddr(), r.Question, dns.RcodeToString[m.Rcode])
	})
	server := &dns.Server{Addr: *listen, Net: "udp"}
	log.Printf("ready: serving DNS on %s/udp", *listen)
	log.Fatal(server.ListenAndServe())
}

func clientIP(addr net.Addr) net.IP {
	if u, ok := addr.(*net.UDPAddr); ok {
		return u.IP
	}
	return nil
}
