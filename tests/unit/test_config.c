// SPDX-License-Identifier: GPL-2.0-only
/*
 * Config loader tests.
 *
 * Bad configs are a table of {name, text, line, expected message}: each
 * must be rejected with an error whose whole line starts with
 * "t.conf:LINE: PATH: message", so a wrong line, path or wording fails.
 * Good configs check parsed values, defaults and byte order.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "addr_check.h"
#include "config.h"

#define FILE_NAME "t.conf"

/* Two lines every config needs; cases below count their lines from 3. */
#define HEAD                                                                                       \
	"instance = \"t\";\n"                                                                      \
	"dataplane = { interfaces = [ \"eth0\" ]; };\n"

/* Line 3 of a config with one service "web" on 192.0.2.10:80 and no backends. */
#define WEB_SERVICE "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80; } );\n"

struct bad_case {
	const char *name;
	const char *text;
	unsigned int line;
	const char *expect; /* "PATH: message" the error line starts with, after "t.conf:LINE: " */
};

static const struct bad_case bad_cases[] = {
	{ "syntax_error", HEAD "services = ( { name = ; } );\n", 3, "syntax error" },
	{ "unknown_top_key_suggestion", HEAD "instanse = \"x\";\n", 3,
	  "instanse: unknown setting; did you mean \"instance\"?" },
	{ "unknown_key_no_suggestion", HEAD "colour = \"blue\";\n", 3, "colour: unknown setting" },
	{ "missing_instance",
	  "# no instance\n"
	  "dataplane = { interfaces = [ \"eth0\" ]; };\n",
	  1, "instance: required setting is missing" },
	{ "bad_instance_name",
	  "dataplane = { interfaces = [ \"eth0\" ]; };\n"
	  "instance = \"edge 1\";\n",
	  2, "instance: \"edge 1\" is not a valid name" },
	{ "instance_too_long",
	  "instance = \"abcdefghijklmnopqrstuvwxyz0123456789\";\n"
	  "dataplane = { interfaces = [ \"eth0\" ]; };\n",
	  1, "instance: \"abcdefghijklmnopqrstuvwxyz0123456789\" is not a valid name: use 1..32" },
	{ "missing_dataplane", "instance = \"t\";\n", 1, "dataplane: required setting is missing" },
	{ "dataplane_not_group", "instance = \"t\";\ndataplane = [ \"eth0\" ];\n", 2,
	  "dataplane: expected a group { ... }, got an array [ ... ]" },
	{ "missing_interfaces",
	  "instance = \"t\";\n"
	  "dataplane = {\n"
	  "  mode = \"xdp\";\n"
	  "};\n",
	  2, "dataplane.interfaces: required setting is missing" },
	{ "empty_interfaces",
	  "instance = \"t\";\n"
	  "dataplane = {\n"
	  "  interfaces = [ ];\n"
	  "};\n",
	  3, "dataplane.interfaces: must not be empty" },
	{ "interface_name_too_long",
	  "instance = \"t\";\n"
	  "dataplane = { interfaces = [ \"eth0\", \"averyverylongname0\" ]; };\n",
	  2, "dataplane.interfaces[1]: \"averyverylongname0\" is not a valid interface name" },
	{ "interface_twice",
	  "instance = \"t\";\n"
	  "dataplane = { interfaces = [ \"eth0\", \"eth0\" ]; };\n",
	  2, "dataplane.interfaces[1]: \"eth0\" is listed twice" },
	{ "flow_table_too_small",
	  "instance = \"t\";\n"
	  "dataplane = {\n"
	  "  interfaces = [ \"eth0\" ];\n"
	  "  flow_table_size = 1000;\n"
	  "};\n",
	  4, "dataplane.flow_table_size: 1000 is out of range 1024..16777216" },
	{ "bad_mode",
	  "instance = \"t\";\n"
	  "dataplane = { interfaces = [ \"eth0\" ];\n"
	  "  mode = \"afxdp\"; };\n",
	  3, "dataplane.mode: \"afxdp\" is not one of \"xdp\", \"dpdk\"" },
	{ "xdp_mode_with_dpdk",
	  "instance = \"t\";\n"
	  "dataplane = { interfaces = [ \"0000:03:00.0\" ]; mode = \"dpdk\";\n"
	  "  xdp_mode = \"native\"; };\n",
	  3, "dataplane.xdp_mode: only valid with mode = \"xdp\"" },
	{ "dpdk_args_with_xdp",
	  "instance = \"t\";\n"
	  "dataplane = { interfaces = [ \"eth0\" ];\n"
	  "  dpdk_args = [ \"--no-huge\" ]; };\n",
	  3, "dataplane.dpdk_args: only valid with mode = \"dpdk\"" },
	{ "icmp_too_big_rate_out_of_range",
	  "instance = \"t\";\n"
	  "dataplane = { interfaces = [ \"eth0\" ];\n"
	  "  icmp_too_big_rate = 1000001; };\n",
	  3, "dataplane.icmp_too_big_rate: 1000001 is out of range 0..1000000" },
	{ "icmp_too_big_rate_negative",
	  "instance = \"t\";\n"
	  "dataplane = { interfaces = [ \"eth0\" ];\n"
	  "  icmp_too_big_rate = -1; };\n",
	  3, "dataplane.icmp_too_big_rate: -1 is out of range 0..1000000" },
	{ "icmp_too_big_rate_not_integer",
	  "instance = \"t\";\n"
	  "dataplane = { interfaces = [ \"eth0\" ];\n"
	  "  icmp_too_big_rate = \"1000/s\"; };\n",
	  3, "dataplane.icmp_too_big_rate: expected an integer, got a string" },
	{ "icmp_too_big_rate_misspelt",
	  "instance = \"t\";\n"
	  "dataplane = { interfaces = [ \"eth0\" ];\n"
	  "  icmp_too_big_rat = 10; };\n",
	  3, "dataplane.icmp_too_big_rat: unknown setting; did you mean \"icmp_too_big_rate\"?" },
	{ "new_flow_rate_too_big",
	  "instance = \"t\";\n"
	  "dataplane = { interfaces = [ \"eth0\" ];\n"
	  "  new_flow_rate = 10000001; };\n",
	  3, "dataplane.new_flow_rate: 10000001 is out of range 0..10000000" },
	{ "new_flow_rate_not_integer",
	  "instance = \"t\";\n"
	  "dataplane = { interfaces = [ \"eth0\" ];\n"
	  "  new_flow_rate = \"125k\"; };\n",
	  3, "dataplane.new_flow_rate: expected an integer, got a string" },
	{ "new_flow_burst_zero",
	  "instance = \"t\";\n"
	  "dataplane = { interfaces = [ \"eth0\" ];\n"
	  "  new_flow_burst = 0; };\n",
	  3, "dataplane.new_flow_burst: 0 is out of range 1..10000000" },
	{ "new_flow_rate_misspelt",
	  "instance = \"t\";\n"
	  "dataplane = { interfaces = [ \"eth0\" ];\n"
	  "  new_flows_rate = 10; };\n",
	  3, "dataplane.new_flows_rate: unknown setting; did you mean \"new_flow_rate\"?" },
	{ "icmp_too_big_burst_zero",
	  "instance = \"t\";\n"
	  "dataplane = { interfaces = [ \"eth0\" ];\n"
	  "  icmp_too_big_burst = 0; };\n",
	  3, "dataplane.icmp_too_big_burst: 0 is out of range 1..100000" },
	{ "icmp_too_big_burst_too_big",
	  "instance = \"t\";\n"
	  "dataplane = { interfaces = [ \"eth0\" ];\n"
	  "  icmp_too_big_rate = 10;\n"
	  "  icmp_too_big_burst = 100001; };\n",
	  4, "dataplane.icmp_too_big_burst: 100001 is out of range 1..100000" },
	{ "services_not_a_list", HEAD "services = { name = \"web\"; };\n", 3,
	  "services: expected a list ( { ... }, ... ), got a group" },
	{ "service_port_wrong_type", HEAD
	  "services = ( {\n"
	  "  name = \"web\"; vip = \"192.0.2.10\";\n"
	  "  port = \"80\";\n"
	  "} );\n",
	  5, "services[0].port: expected an integer, got a string" },
	{ "service_missing_vip", HEAD
	  "services = ( { name = \"a\"; vip = \"192.0.2.1\"; port = 80; },\n"
	  "  {\n"
	  "    name = \"web\"; port = 80;\n"
	  "  } );\n",
	  4, "services[1].vip: required setting is missing" },
	{ "service_missing_port", HEAD
	  "services = ( {\n"
	  "  name = \"web\"; vip = \"192.0.2.10\";\n"
	  "} );\n",
	  3, "services[0].port: required setting is missing" },
	{ "service_port_out_of_range", HEAD
	  "services = ( {\n"
	  "  name = \"web\"; vip = \"192.0.2.10\";\n"
	  "  port = 70000;\n"
	  "} );\n",
	  5, "services[0].port: 70000 is out of range 0..65535" },
	{ "duplicate_service_name", HEAD
	  "services = (\n"
	  "  { name = \"web\"; vip = \"192.0.2.10\"; port = 80; },\n"
	  "  { name = \"web\"; vip = \"192.0.2.10\"; port = 443; }\n"
	  ");\n",
	  5, "services[1].name: duplicate service name \"web\" (first at line 4)" },
	{ "duplicate_vip", HEAD
	  "services = (\n"
	  "  { name = \"web\"; vip = \"192.0.2.10\"; port = 80; },\n"
	  "  { name = \"web2\"; vip = \"192.0.2.10\"; port = 80; protocol = \"tcp\"; }\n"
	  ");\n",
	  5, "services[1].vip: 192.0.2.10 port 80/tcp is already service \"web\" (line 4)" },
	{ "vip_with_prefix", HEAD
	  "services = ( { name = \"web\"; port = 80;\n"
	  "  vip = \"192.0.2.10/32\"; } );\n",
	  4, "services[0].vip: \"192.0.2.10/32\" has a prefix length; write the address alone" },
	{ "vip_multicast", HEAD
	  "services = ( { name = \"web\"; port = 80;\n"
	  "  vip = \"239.1.1.1\"; } );\n",
	  4, "services[0].vip: \"239.1.1.1\" is a multicast address" },
	{ "vip_v4_mapped", HEAD
	  "services = ( { name = \"web\"; port = 80;\n"
	  "  vip = \"::ffff:192.0.2.1\"; } );\n",
	  4, "services[0].vip: \"::ffff:192.0.2.1\" is an IPv4-mapped IPv6 address" },
	{ "vip_unspecified", HEAD
	  "services = ( { name = \"web\"; port = 80;\n"
	  "  vip = \"0.0.0.0\"; } );\n",
	  4, "services[0].vip: \"0.0.0.0\" is the unspecified address" },
	{ "vip_this_network", HEAD
	  "services = ( { name = \"web\"; port = 80;\n"
	  "  vip = \"0.255.255.255\"; } );\n",
	  4, "services[0].vip: \"0.255.255.255\" is a \"this network\" address (0.0.0.0/8)" },
	{ "vip_loopback", HEAD
	  "services = ( { name = \"web\"; port = 80;\n"
	  "  vip = \"127.0.0.1\"; } );\n",
	  4, "services[0].vip: \"127.0.0.1\" is a loopback address" },
	{ "vip_multicast_low_edge", HEAD
	  "services = ( { name = \"web\"; port = 80;\n"
	  "  vip = \"224.0.0.0\"; } );\n",
	  4, "services[0].vip: \"224.0.0.0\" is a multicast address" },
	{ "vip_reserved", HEAD
	  "services = ( { name = \"web\"; port = 80;\n"
	  "  vip = \"240.0.0.1\"; } );\n",
	  4, "services[0].vip: \"240.0.0.1\" is a reserved address (240.0.0.0/4)" },
	{ "vip_broadcast", HEAD
	  "services = ( { name = \"web\"; port = 80;\n"
	  "  vip = \"255.255.255.255\"; } );\n",
	  4, "services[0].vip: \"255.255.255.255\" is the broadcast address" },
	{ "vip_v6_unspecified", HEAD
	  "services = ( { name = \"web\"; port = 80;\n"
	  "  vip = \"::\"; } );\n",
	  4, "services[0].vip: \"::\" is the unspecified address" },
	{ "vip_v6_loopback", HEAD
	  "services = ( { name = \"web\"; port = 80;\n"
	  "  vip = \"::1\"; } );\n",
	  4, "services[0].vip: \"::1\" is a loopback address" },
	{ "vip_v6_multicast", HEAD
	  "services = ( { name = \"web\"; port = 80;\n"
	  "  vip = \"ff05::1:3\"; } );\n",
	  4, "services[0].vip: \"ff05::1:3\" is a multicast address" },
	{ "vip_v4_mapped_hint", HEAD
	  "services = ( { name = \"web\"; port = 80;\n"
	  "  vip = \"::ffff:192.0.2.1\"; } );\n",
	  4, "services[0].vip: \"::ffff:192.0.2.1\" is an IPv4-mapped IPv6 address; "
	     "write the IPv4 address" },
	{ "backend_unspecified", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = (\n"
	  "    { name = \"a\"; address = \"0.0.0.0\"; } ); } );\n",
	  5, "services[0].backends[0].address: \"0.0.0.0\" is the unspecified address" },
	{ "backend_this_network", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = (\n"
	  "    { name = \"a\"; address = \"10.0.0.1\"; },\n"
	  "    { name = \"b\"; address = \"0.0.0.1\"; } ); } );\n",
	  6, "services[0].backends[1].address: \"0.0.0.1\" is a \"this network\" address "
	     "(0.0.0.0/8)" },
	{ "backend_loopback", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = (\n"
	  "    { name = \"a\"; address = \"127.255.255.255\"; } ); } );\n",
	  5, "services[0].backends[0].address: \"127.255.255.255\" is a loopback address" },
	{ "backend_multicast", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = (\n"
	  "    { name = \"a\"; address = \"239.255.255.255\"; } ); } );\n",
	  5, "services[0].backends[0].address: \"239.255.255.255\" is a multicast address" },
	{ "backend_reserved", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = (\n"
	  "    { name = \"a\"; address = \"255.255.255.254\"; } ); } );\n",
	  5, "services[0].backends[0].address: \"255.255.255.254\" is a reserved address "
	     "(240.0.0.0/4)" },
	{ "backend_broadcast", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = (\n"
	  "    { name = \"a\"; address = \"255.255.255.255\"; } ); } );\n",
	  5, "services[0].backends[0].address: \"255.255.255.255\" is the broadcast address" },
	{ "backend_v6_unspecified", HEAD
	  "services = ( { name = \"web\"; vip = \"2001:db8::10\"; port = 80;\n"
	  "  backends = (\n"
	  "    { name = \"a\"; address = \"0::0\"; } ); } );\n",
	  5, "services[0].backends[0].address: \"0::0\" is the unspecified address" },
	{ "backend_v6_loopback", HEAD
	  "services = ( { name = \"web\"; vip = \"2001:db8::10\"; port = 80;\n"
	  "  backends = (\n"
	  "    { name = \"a\"; address = \"0:0:0:0:0:0:0:1\"; } ); } );\n",
	  5, "services[0].backends[0].address: \"0:0:0:0:0:0:0:1\" is a loopback address" },
	{ "backend_v6_multicast", HEAD
	  "services = ( { name = \"web\"; vip = \"2001:db8::10\"; port = 80;\n"
	  "  backends = (\n"
	  "    { name = \"a\"; address = \"ff02::1\"; } ); } );\n",
	  5, "services[0].backends[0].address: \"ff02::1\" is a multicast address" },
	{ "backend_v4_mapped", HEAD
	  "services = ( { name = \"web\"; vip = \"2001:db8::10\"; port = 80; encap = \"gue\";\n"
	  "  backends = (\n"
	  "    { name = \"a\"; address = \"::ffff:10.0.0.1\"; } ); } );\n",
	  5, "services[0].backends[0].address: \"::ffff:10.0.0.1\" is an IPv4-mapped IPv6 "
	     "address; write the IPv4 address" },
	{ "bad_protocol", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  protocol = \"sctp\"; } );\n",
	  4, "services[0].protocol: \"sctp\" is not one of \"tcp\", \"udp\"" },
	{ "gue_port_without_gue", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  encap = \"ipip\";\n"
	  "  gue_port = 6080; } );\n",
	  5, "services[0].gue_port: only valid with encap = \"gue\" (encap is \"ipip\")" },
	{ "gue_port_default_encap", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  gue_port = 6080; } );\n",
	  4, "services[0].gue_port: only valid with encap = \"gue\"" },
	{ "gue_zero_checksum_with_ipip", HEAD
	  "services = ( { name = \"web\"; vip = \"2001:db8::10\"; port = 80;\n"
	  "  encap = \"ipip\";\n"
	  "  gue_ipv6_zero_checksum = true; } );\n",
	  5, "services[0].gue_ipv6_zero_checksum: only valid with encap = \"gue\" "
	     "(encap is \"ipip\")" },
	{ "gue_zero_checksum_with_dsr", HEAD
	  "services = ( { name = \"web\"; vip = \"2001:db8::10\"; port = 80; encap = \"dsr\";\n"
	  "  gue_ipv6_zero_checksum = false; } );\n",
	  4, "services[0].gue_ipv6_zero_checksum: only valid with encap = \"gue\" "
	     "(encap is \"dsr\")" },
	{ "gue_zero_checksum_default_encap", HEAD
	  "services = ( { name = \"web\"; vip = \"2001:db8::10\"; port = 80;\n"
	  "  gue_ipv6_zero_checksum = true; } );\n",
	  4, "services[0].gue_ipv6_zero_checksum: only valid with encap = \"gue\" "
	     "(encap is \"ipip\")" },
	{ "gue_zero_checksum_not_bool", HEAD
	  "services = ( { name = \"web\"; vip = \"2001:db8::10\"; port = 80; encap = \"gue\";\n"
	  "  gue_ipv6_zero_checksum = 1; } );\n",
	  4, "services[0].gue_ipv6_zero_checksum: expected true or false, got an integer" },
	{ "gue_zero_checksum_misspelt", HEAD
	  "services = ( { name = \"web\"; vip = \"2001:db8::10\"; port = 80; encap = \"gue\";\n"
	  "  gue_ipv6_zero_checksums = true; } );\n",
	  4, "services[0].gue_ipv6_zero_checksums: unknown setting; did you mean "
	     "\"gue_ipv6_zero_checksum\"?" },
	{ "ring_size_not_prime", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  ring_size = 65536; } );\n",
	  4, "services[0].ring_size: 65536 is not a prime in 7..1048573" },
	{ "ring_size_too_big", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  ring_size = 2000003; } );\n",
	  4, "services[0].ring_size: 2000003 is not a prime in 7..1048573" },
	{ "mtu_out_of_range", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  mtu = 100; } );\n",
	  4, "services[0].mtu: 100 is out of range 576..9216" },
	{ "mtu_below_ipv6_minimum", HEAD
	  "services = ( { name = \"web\"; vip = \"2001:db8::10\"; port = 80;\n"
	  "  mtu = 1000; } );\n",
	  4, "services[0].mtu: 1000 is below the IPv6 minimum MTU of 1280" },
	{ "mtu_v6_dsr_below_minimum", HEAD
	  "services = ( { name = \"web\"; vip = \"2001:db8::10\"; port = 80; encap = \"dsr\";\n"
	  "  mtu = 1279;\n"
	  "  backends = ( { name = \"a\"; address = \"2001:db8:1::11\"; } ); } );\n",
	  4, "services[0].mtu: 1279 is below the IPv6 minimum MTU of 1280" },
	{ "mtu_v6_gue_v6_backend", HEAD
	  "services = ( { name = \"web\"; vip = \"2001:db8::10\"; port = 80; encap = \"gue\";\n"
	  "  mtu = 1300;\n"
	  "  backends = (\n"
	  "    { name = \"a\"; address = \"10.1.0.11\"; },\n"
	  "    { name = \"b\"; address = \"2001:db8:1::12\"; },\n"
	  "    { name = \"c\"; address = \"10.1.0.13\"; } ); } );\n",
	  4, "services[0].mtu: mtu 1300 leaves 1252 bytes for client packets after GUE over "
	     "IPv6 (48 bytes); IPv6 needs 1280: set mtu to at least 1328" },
	{ "mtu_v6_gue_v6_backend_one_short", HEAD
	  "services = ( { name = \"web\"; vip = \"2001:db8::10\"; port = 80; encap = \"gue\";\n"
	  "  backends = ( { name = \"b\"; address = \"2001:db8:1::12\"; } );\n"
	  "  mtu = 1327; } );\n",
	  5, "services[0].mtu: mtu 1327 leaves 1279 bytes for client packets after GUE over "
	     "IPv6 (48 bytes); IPv6 needs 1280: set mtu to at least 1328" },
	{ "mtu_v6_gue_v4_backends", HEAD
	  "services = ( { name = \"web\"; vip = \"2001:db8::10\"; port = 80; encap = \"gue\";\n"
	  "  mtu = 1300;\n"
	  "  backends = ( { name = \"a\"; address = \"10.1.0.11\"; } ); } );\n",
	  4, "services[0].mtu: mtu 1300 leaves 1272 bytes for client packets after GUE over "
	     "IPv4 (28 bytes); IPv6 needs 1280: set mtu to at least 1308" },
	{ "mtu_v6_ipip", HEAD
	  "services = ( { name = \"web\"; vip = \"2001:db8::10\"; port = 80;\n"
	  "  mtu = 1319;\n"
	  "  backends = ( { name = \"a\"; address = \"2001:db8:1::11\"; } ); } );\n",
	  4, "services[0].mtu: mtu 1319 leaves 1279 bytes for client packets after IPIP over "
	     "IPv6 (40 bytes); IPv6 needs 1280: set mtu to at least 1320" },
	{ "backend_bad_address", HEAD
	  "services = ( {\n"
	  "  name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = (\n"
	  "    { name = \"a\"; address = \"10.0.0.1\"; },\n"
	  "    { name = \"b\"; address = \"10.0.0.2\"; },\n"
	  "    { name = \"c\"; address = \"10.0.0.300\"; }\n"
	  "  );\n"
	  "} );\n",
	  8, "services[0].backends[2].address: \"10.0.0.300\" is not an IPv4 or IPv6 address" },
	{ "backend_unknown_key", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = ( { name = \"a\";\n"
	  "    adress = \"10.0.0.1\"; } ); } );\n",
	  5, "services[0].backends[0].adress: unknown setting; did you mean \"address\"?" },
	{ "backend_missing_address", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = (\n"
	  "    { name = \"a\"; } ); } );\n",
	  5, "services[0].backends[0].address: required setting is missing" },
	{ "backend_duplicate_name", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = (\n"
	  "    { name = \"a\"; address = \"10.0.0.1\"; },\n"
	  "    { name = \"a\"; address = \"10.0.0.2\"; } ); } );\n",
	  6, "services[0].backends[1].name: duplicate backend name \"a\" (first at line 5)" },
	{ "backend_duplicate_address_port", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = (\n"
	  "    { name = \"a\"; address = \"10.0.0.1\"; },\n"
	  "    { name = \"b\"; address = \"10.0.0.1\"; port = 80; } ); } );\n",
	  6, "services[0].backends[1].address: backend 10.0.0.1 port 80 is already in this "
	     "service as \"a\" (line 5)" },
	{ "backend_weight_out_of_range", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = ( { name = \"a\"; address = \"10.0.0.1\";\n"
	  "    weight = 65536; } ); } );\n",
	  5, "services[0].backends[0].weight: 65536 is out of range 0..65535" },
	{ "backend_negative_weight", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = ( { name = \"a\"; address = \"10.0.0.1\";\n"
	  "    weight = -1; } ); } );\n",
	  5, "services[0].backends[0].weight: -1 is out of range 0..65535" },
	/*
	 * libconfig 1.5 reads an integer literal through atoi(): without the
	 * loader's widening, these wrapped modulo 2^32 into values that pass
	 * (weight 0, port 80, a prime ring) or into a different number.
	 */
	{ "backend_weight_2_pow_32", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = ( { name = \"a\"; address = \"10.0.0.1\";\n"
	  "    weight = 4294967296; } ); } );\n",
	  5, "services[0].backends[0].weight: 4294967296 is out of range 0..65535" },
	{ "backend_weight_quotes_the_file", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = ( { name = \"a\"; address = \"10.0.0.1\";\n"
	  "    weight = 99999999999; } ); } );\n",
	  5, "services[0].backends[0].weight: 99999999999 is out of range 0..65535" },
	{ "backend_weight_2_pow_31", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = ( { name = \"a\"; address = \"10.0.0.1\";\n"
	  "    weight = 2147483648; } ); } );\n",
	  5, "services[0].backends[0].weight: 2147483648 is out of range 0..65535" },
	{ "backend_weight_int64_suffix", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = ( { name = \"a\"; address = \"10.0.0.1\";\n"
	  "    weight = 4294967296L; } ); } );\n",
	  5, "services[0].backends[0].weight: 4294967296 is out of range 0..65535" },
	{ "backend_weight_beyond_64_bits", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = ( { name = \"a\"; address = \"10.0.0.1\";\n"
	  "    weight = 99999999999999999999; } ); } );\n",
	  5, "99999999999999999999 does not fit in 64 bits" },
	{ "service_port_wraps_to_80", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\";\n"
	  "  port = 4294967376; } );\n",
	  4, "services[0].port: 4294967376 is out of range 0..65535" },
	{ "service_port_hex_wraps_to_80", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\";\n"
	  "  port = 0x100000050; } );\n",
	  4, "services[0].port: 4294967376 is out of range 0..65535" },
	{ "service_port_hex_all_ones", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\";\n"
	  "  port = 0xFFFFFFFF; } );\n",
	  4, "services[0].port: 4294967295 is out of range 0..65535" },
	{ "ring_size_wraps_to_prime", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  ring_size = 4295032833; } );\n",
	  4, "services[0].ring_size: 4295032833 is out of range 0..4294967295" },
	{ "health_interval_wide_integer", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  health = { interval = 4294967297; }; } );\n",
	  4, "services[0].health.interval: 4294967297 is out of range 0.1..3600" },
	{ "backend_v6_on_v4_ipip", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  backends = (\n"
	  "    { name = \"a\"; address = \"2001:db8::1\"; } ); } );\n",
	  5, "services[0].backends[0].address: IPv6 backend 2001:db8::1 cannot carry IPv4 VIP "
	     "traffic with encap = \"ipip\"; use encap = \"gue\"" },
	{ "backend_v4_on_v6_dsr", HEAD
	  "services = ( { name = \"web\"; vip = \"2001:db8::10\"; port = 80; encap = \"dsr\";\n"
	  "  backends = (\n"
	  "    { name = \"a\"; address = \"10.0.0.1\"; } ); } );\n",
	  5, "services[0].backends[0].address: IPv4 backend 10.0.0.1 cannot carry IPv6 VIP "
	     "traffic with encap = \"dsr\"" },
	{ "health_timeout_not_below_interval", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  health = { interval = 1.0;\n"
	  "    timeout = 1; }; } );\n",
	  5, "services[0].health.timeout: timeout (1.000 s) must be shorter than interval "
	     "(1.000 s)" },
	{ "backend_health_timeout_vs_inherited_interval", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  health = { interval = 2.0; timeout = 1.0; };\n"
	  "  backends = ( { name = \"a\"; address = \"10.0.0.1\";\n"
	  "    health = { timeout = 3.0; }; } ); } );\n",
	  6, "services[0].backends[0].health.timeout: timeout (3.000 s) must be shorter than "
	     "interval (2.000 s)" },
	{ "health_rise_zero", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  health = {\n"
	  "    rise = 0; }; } );\n",
	  5, "services[0].health.rise: 0 is out of range 1..100" },
	{ "health_bad_type", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  health = { type = \"icmp\"; }; } );\n",
	  4, "services[0].health.type: \"icmp\" is not one of "
	     "\"none\", \"tcp\", \"http\", \"exec\"" },
	{ "health_http_group_with_tcp", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  health = { type = \"tcp\";\n"
	  "    http = { path = \"/\"; }; }; } );\n",
	  5, "services[0].health.http: only valid with type = \"http\" (type is \"tcp\")" },
	{ "health_exec_without_command", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  health = { type = \"exec\"; }; } );\n",
	  4, "services[0].health.exec.command: required when type = \"exec\"" },
	{ "health_exec_relative_command", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  health = { type = \"exec\";\n"
	  "    exec = { command = [ \"check.sh\" ]; }; }; } );\n",
	  5, "services[0].health.exec.command[0]: \"check.sh\" is not an absolute path" },
	{ "health_bad_status", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  health = { type = \"http\";\n"
	  "    http = { status = \"200-700\"; }; }; } );\n",
	  5, "services[0].health.http.status: \"200-700\" is not a status list" },
	{ "health_jitter_too_big", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
	  "  health = { jitter = 0.9; }; } );\n",
	  4, "services[0].health.jitter: 0.9 is out of range 0..0.5" },
	{ "health_port_needed_for_all_ports_service", HEAD
	  "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 0;\n"
	  "  backends = (\n"
	  "    { name = \"a\"; address = \"10.0.0.1\"; } ); } );\n",
	  5, "services[0].backends[0].health.port: required for a tcp check: neither the backend "
	     "nor the service has a port" },
	{ "vrrp_vrid_zero", HEAD
	  "vrrp = ( { name = \"v\"; interface = \"eth0\"; vips = [ \"192.0.2.10\" ];\n"
	  "  vrid = 0; } );\n",
	  4, "vrrp[0].vrid: 0 is out of range 1..255" },
	{ "vrrp_vrid_256", HEAD
	  "vrrp = ( { name = \"v\"; interface = \"eth0\"; vips = [ \"192.0.2.10\" ];\n"
	  "  vrid = 256; } );\n",
	  4, "vrrp[0].vrid: 256 is out of range 1..255" },
	{ "vrrp_missing_vrid", HEAD
	  "vrrp = (\n"
	  "  { name = \"v\"; interface = \"eth0\"; vips = [ \"192.0.2.10\" ]; } );\n",
	  4, "vrrp[0].vrid: required setting is missing" },
	{ "vrrp_priority_zero", HEAD
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\"; vips = [ \"192.0.2.10\" ];\n"
	  "  priority = 0; } );\n",
	  4, "vrrp[0].priority: 0 is out of range 1..255" },
	{ "vrrp_version_4", HEAD
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\"; vips = [ \"192.0.2.10\" ];\n"
	  "  version = 4; } );\n",
	  4, "vrrp[0].version: 4 is out of range 2..3" },
	{ "vrrp_v3_advert_int_too_long", HEAD
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\"; vips = [ \"192.0.2.10\" ];\n"
	  "  advert_int = 50; } );\n",
	  4, "vrrp[0].advert_int: 50 is out of range 0.01..40.95" },
	{ "vrrp_v3_advert_int_not_centiseconds", HEAD
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\"; vips = [ \"192.0.2.10\" ];\n"
	  "  advert_int = 0.015; } );\n",
	  4, "vrrp[0].advert_int: 0.015 is not a multiple of 0.01 s" },
	{ "vrrp_v2_advert_int_fraction", HEAD
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\"; vips = [ \"192.0.2.10\" ];\n"
	  "  version = 2;\n"
	  "  advert_int = 1.5; } );\n",
	  5, "vrrp[0].advert_int: 1.5: VRRPv2 advertises whole seconds" },
	{ "vrrp_v3_auth_pass", HEAD
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\"; vips = [ \"192.0.2.10\" ];\n"
	  "  auth_pass = \"secret\"; } );\n",
	  4, "vrrp[0].auth_pass: VRRPv3 has no authentication (RFC 5798)" },
	{ "vrrp_v2_auth_pass_too_long", HEAD
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\"; vips = [ \"192.0.2.10\" ];\n"
	  "  version = 2; auth_pass = \"123456789\"; } );\n",
	  4, "vrrp[0].auth_pass: must be 1..8 printable characters" },
	{ "vrrp_v2_ipv6", HEAD
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\"; vips = [ \"2001:db8::1\" ];\n"
	  "  version = 2; } );\n",
	  4, "vrrp[0].version: VRRPv2 carries only IPv4; use version = 3 for IPv6" },
	{ "vrrp_mixed_families", HEAD
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\";\n"
	  "  vips = [ \"192.0.2.10/32\", \"2001:db8::10/128\" ]; } );\n",
	  4, "vrrp[0].vips[1]: IPv6 address in an instance of IPv4 VIPs" },
	{ "vrrp_bad_prefix", HEAD
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\";\n"
	  "  vips = [ \"192.0.2.10/33\" ]; } );\n",
	  4, "vrrp[0].vips[0]: \"192.0.2.10/33\" has a bad prefix length (1..32 for IPv4)" },
	{ "vrrp_empty_vips", HEAD
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\";\n"
	  "  vips = [ ]; } );\n",
	  4, "vrrp[0].vips: must not be empty" },
	{ "vrrp_duplicate_vrid", HEAD
	  "vrrp = (\n"
	  "  { name = \"a\"; vrid = 51; interface = \"eth0\"; vips = [ \"192.0.2.10\" ]; },\n"
	  "  { name = \"b\"; vrid = 51; interface = \"eth0\"; vips = [ \"192.0.2.11\" ]; }\n"
	  ");\n",
	  5, "vrrp[1].vrid: VRID 51 on eth0 (IPv4) is already used by \"a\" (line 4)" },
	{ "vrrp_duplicate_name", HEAD
	  "vrrp = (\n"
	  "  { name = \"a\"; vrid = 51; interface = \"eth0\"; vips = [ \"192.0.2.10\" ]; },\n"
	  "  { name = \"a\"; vrid = 52; interface = \"eth0\"; vips = [ \"192.0.2.11\" ]; }\n"
	  ");\n",
	  5, "vrrp[1].name: duplicate vrrp instance name \"a\" (first at line 4)" },
	{ "vrrp_vip_in_two_instances", HEAD
	  "vrrp = (\n"
	  "  { name = \"a\"; vrid = 51; interface = \"eth0\"; vips = [ \"192.0.2.10\" ]; },\n"
	  "  { name = \"b\"; vrid = 52; interface = \"eth1\"; vips = [ \"192.0.2.10/24\" ]; }\n"
	  ");\n",
	  5, "vrrp[1].vips: 192.0.2.10 is already a VIP of \"a\" (line 4)" },
	{ "vrrp_peer_family", HEAD
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\"; vips = [ \"192.0.2.10\" ];\n"
	  "  unicast_peers = [ \"2001:db8::2\" ]; } );\n",
	  4, "vrrp[0].unicast_peers[0]: IPv6 address for an instance of IPv4 VIPs" },
	{ "vrrp_src_family", HEAD
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\"; vips = [ \"2001:db8::10\" ];\n"
	  "  unicast_src = \"10.0.0.2\"; unicast_peers = [ \"2001:db8::3\" ]; } );\n",
	  4, "vrrp[0].unicast_src: IPv4 address for an instance of IPv6 VIPs" },
	{ "vrrp_track_unknown_service", HEAD
	  "services = ( { name = \"web-http\"; vip = \"192.0.2.10\"; port = 80; } );\n"
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\"; vips = [ \"192.0.2.10\" ];\n"
	  "  track = { services = (\n"
	  "    { name = \"web-htp\"; } ); }; } );\n",
	  6, "vrrp[0].track.services[0].name: no service is named \"web-htp\"; did you mean "
	     "\"web-http\"?" },
	{ "vrrp_track_min_healthy_unreachable", HEAD WEB_SERVICE
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\"; vips = [ \"192.0.2.10\" ];\n"
	  "  track = { services = ( { name = \"web\";\n"
	  "    min_healthy = 2; } ); }; } );\n",
	  6, "vrrp[0].track.services[0].min_healthy: min_healthy is 2 but service \"web\" has 0 "
	     "backends" },
	{ "vrrp_track_weight_out_of_range", HEAD
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\"; vips = [ \"192.0.2.10\" ];\n"
	  "  track = { interfaces = ( { name = \"eth1\";\n"
	  "    weight = -255; } ); }; } );\n",
	  5, "vrrp[0].track.interfaces[0].weight: -255 is out of range -254..254" },
	{ "vrrp_track_weight_wraps_to_1", HEAD
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\"; vips = [ \"192.0.2.10\" ];\n"
	  "  track = { interfaces = ( { name = \"eth1\";\n"
	  "    weight = -4294967295; } ); }; } );\n",
	  5, "vrrp[0].track.interfaces[0].weight: -4294967295 is out of range -254..254" },
	{ "vrrp_vrid_wraps_to_1", HEAD
	  "vrrp = ( { name = \"v\"; interface = \"eth0\"; vips = [ \"192.0.2.10\" ];\n"
	  "  vrid = 4294967297; } );\n",
	  4, "vrrp[0].vrid: 4294967297 is out of range 1..255" },
	{ "vrrp_track_script_timeout", HEAD
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\"; vips = [ \"192.0.2.10\" ];\n"
	  "  track = { scripts = ( { name = \"chk\"; command = [ \"/bin/true\" ];\n"
	  "    interval = 1.0; timeout = 2.0; } ); }; } );\n",
	  5, "vrrp[0].track.scripts[0].timeout: timeout (2.000 s) must be shorter than interval "
	     "(1.000 s)" },
	{ "vrrp_notify_relative", HEAD
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\"; vips = [ \"192.0.2.10\" ];\n"
	  "  notify = { master = \"notify.sh\"; }; } );\n",
	  4, "vrrp[0].notify.master: \"notify.sh\" is not an absolute path" },
	{ "vrrp_preempt_not_bool", HEAD
	  "vrrp = ( { name = \"v\"; vrid = 1; interface = \"eth0\"; vips = [ \"192.0.2.10\" ];\n"
	  "  preempt = \"yes\"; } );\n",
	  4, "vrrp[0].preempt: expected true or false, got a string" },
	{ "vrrp_element_not_group", HEAD "vrrp = ( \"v\" );\n", 3,
	  "vrrp[0]: expected a group { ... }, got a string" },
	{ "include_rejected", HEAD "@include \"other.conf\"\n", 3,
	  "@include is not supported" },
	{ "metrics_bad_port", HEAD "metrics_listen = \"127.0.0.1:99999\";\n", 3,
	  "metrics_listen: \"127.0.0.1:99999\": the port is not a number in 1..65535" },
	{ "metrics_unbracketed_v6", HEAD "metrics_listen = \"::1:9274\";\n", 3,
	  "metrics_listen: \"::1:9274\": write an IPv6 address as [address]:port" },
	{ "control_socket_too_long", HEAD
	  "control_socket = \"/run/edgelb/"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\";\n",
	  3, "control_socket: longer than 107 bytes: \"/run/edgelb/aaaa" },
	{ "relative_state_file", HEAD "state_file = \"edge.state\";\n", 3,
	  "state_file: \"edge.state\" is not an absolute path" },
	{ "bad_control_group", HEAD "control_group = \"-wheel\";\n", 3,
	  "control_group: \"-wheel\" is not a valid group name" },
};

static void dump_messages(const struct edgelb_config_errors *errs)
{
	for (size_t i = 0; i < errs->count; i++)
		print_message("  got: %s\n", errs->items[i].text);
}

/* The stored message whose text starts with prefix, or NULL. */
static const struct edgelb_config_error *find_message(const struct edgelb_config_errors *errs,
						      const char *prefix)
{
	for (size_t i = 0; i < errs->count; i++)
		if (!strncmp(errs->items[i].text, prefix, strlen(prefix)))
			return &errs->items[i];
	return NULL;
}

static void test_bad_config(void **state)
{
	const struct bad_case *c = *state;
	struct edgelb_config_errors errs = { 0 };
	const struct edgelb_config_error *e;
	struct edgelb_config cfg;
	char want[512];
	int ret;

	snprintf(want, sizeof(want), FILE_NAME ":%u: %s", c->line, c->expect);
	ret = edgelb_config_parse_string(c->text, FILE_NAME, &cfg, &errs);
	e = find_message(&errs, want);
	if (ret != -EINVAL || !e || e->severity != EDGELB_CONFIG_ERROR) {
		print_message("case %s: want -EINVAL and \"%s\", got %d\n", c->name, want, ret);
		dump_messages(&errs);
	}
	assert_int_equal(ret, -EINVAL);
	assert_non_null(e);
	assert_int_equal(e->severity, EDGELB_CONFIG_ERROR);
	assert_int_equal(e->line, c->line);
	assert_true(errs.n_errors >= 1);
	/* a rejected config comes back empty */
	assert_null(cfg.instance);
	assert_int_equal(cfg.n_services, 0);
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
}

/* Parse text that must be valid; fails the test with the messages if not. */
static void parse_ok(const char *text, struct edgelb_config *cfg,
		     struct edgelb_config_errors *errs)
{
	int ret = edgelb_config_parse_string(text, FILE_NAME, cfg, errs);

	if (ret)
		dump_messages(errs);
	assert_int_equal(ret, 0);
	assert_int_equal(errs->n_errors, 0);
}

static void test_minimal_defaults(void **state)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;

	(void)state;
	parse_ok("instance = \"edge1\";\ndataplane = { interfaces = [ \"eth0\", \"eth1\" ]; };\n",
		 &cfg, &errs);
	assert_string_equal(cfg.instance, "edge1");
	assert_string_equal(cfg.pin_dir, "/sys/fs/bpf/edgelb/edge1");
	assert_string_equal(cfg.state_file, "/var/lib/edgelb/edge1.state");
	assert_string_equal(cfg.control_socket, "/run/edgelb/edge1.sock");
	assert_null(cfg.control_group);
	assert_int_equal(cfg.metrics_addr.family, EDGELB_AF_NONE);
	assert_int_equal(cfg.dataplane.mode, EDGELB_CONFIG_DP_XDP);
	assert_int_equal(cfg.dataplane.xdp_mode, EDGELB_CONFIG_XDP_NATIVE);
	assert_int_equal(cfg.dataplane.n_interfaces, 2);
	assert_string_equal(cfg.dataplane.interfaces[1], "eth1");
	assert_null(cfg.dataplane.interfaces[2]);
	assert_int_equal(cfg.dataplane.flow_table_size, 65536);
	assert_int_equal(cfg.dataplane.icmp_too_big_rate, 1000);
	assert_int_equal(cfg.dataplane.icmp_too_big_burst, 50);
	/* the reference balancer's default, and a tenth of a second of it */
	assert_int_equal(cfg.dataplane.new_flow_rate, 125000);
	assert_int_equal(cfg.dataplane.new_flow_burst, 12500);
	assert_int_equal(cfg.n_services, 0);
	assert_int_equal(cfg.n_vrrp, 0);
	assert_int_equal(errs.count, 0);
	edgelb_config_free(&cfg);
	edgelb_config_free(&cfg); /* twice: the first zeroed it */
	edgelb_config_errors_free(&errs);
}

static void test_top_level_values(void **state)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;
	const uint8_t v6_loopback[16] = { [15] = 1 };

	(void)state;
	parse_ok(HEAD "pin_dir = \"/sys/fs/bpf/lab\";\n"
		      "state_file = \"/tmp/lab.state\";\n"
		      "control_socket = \"/tmp/lab.sock\";\n"
		      "control_group = \"edgelb\";\n"
		      "metrics_listen = \"[::1]:9274\";\n",
		 &cfg, &errs);
	assert_string_equal(cfg.pin_dir, "/sys/fs/bpf/lab");
	assert_string_equal(cfg.state_file, "/tmp/lab.state");
	assert_string_equal(cfg.control_socket, "/tmp/lab.sock");
	assert_string_equal(cfg.control_group, "edgelb");
	assert_int_equal(cfg.metrics_addr.family, EDGELB_AF_INET6);
	assert_memory_equal(cfg.metrics_addr.addr.bytes, v6_loopback, 16);
	assert_int_equal(cfg.metrics_port, 9274);
	edgelb_config_free(&cfg);

	parse_ok(HEAD "metrics_listen = \"0.0.0.0:9100\";\n", &cfg, &errs);
	assert_int_equal(cfg.metrics_addr.family, EDGELB_AF_INET);
	assert_int_equal(cfg.metrics_addr.addr.v4, 0);
	assert_int_equal(cfg.metrics_port, 9100);
	edgelb_config_free(&cfg);

	parse_ok(HEAD "metrics_listen = \"\";\n", &cfg, &errs);
	assert_int_equal(cfg.metrics_addr.family, EDGELB_AF_NONE);
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
}

static void test_service_values(void **state)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;
	const struct edgelb_config_service *s;
	const struct edgelb_config_backend *b;

	(void)state;
	parse_ok(HEAD "services = ( {\n"
		      "  name = \"web\"; vip = \"192.0.2.10\"; port = 443;\n"
		      "  backends = (\n"
		      "    { name = \"a\"; address = \"10.1.0.11\"; },\n"
		      "    { name = \"b\"; address = \"10.1.0.12\"; port = 8443; weight = 0; }\n"
		      "  );\n"
		      "} );\n",
		 &cfg, &errs);
	assert_int_equal(cfg.n_services, 1);
	s = &cfg.services[0];
	assert_string_equal(s->name, "web");
	assert_int_equal(s->vip.family, EDGELB_AF_INET);
	/* network byte order, ready for struct edgelb_vip_key */
	assert_int_equal(s->vip.addr.v4, htonl(0xc000020a));
	assert_int_equal(s->vip.addr.v6[1], 0);
	assert_int_equal(s->vip.prefix_len, 32);
	assert_int_equal(s->port, 443);
	assert_int_equal(s->proto, IPPROTO_TCP);
	assert_int_equal(s->encap, EDGELB_ENCAP_IPIP);
	assert_int_equal(s->gue_port, 0);
	assert_false(s->gue_ipv6_zero_checksum);
	assert_int_equal(s->ring_size, EDGELB_RING_SIZE_DEFAULT);
	assert_int_equal(s->mtu, 1500);
	assert_int_equal(s->mtu_policy, EDGELB_CONFIG_MTU_ICMP);
	assert_int_equal(s->hash, EDGELB_CONFIG_HASH_5TUPLE);
	assert_int_equal(s->health.type, EDGELB_CONFIG_HEALTH_TCP);
	assert_int_equal(s->health.port, 0);
	assert_int_equal(s->health.interval_ms, 2000);
	assert_int_equal(s->health.timeout_ms, 1000);
	assert_int_equal(s->health.rise, 2);
	assert_int_equal(s->health.fall, 3);
	assert_int_equal(s->health.jitter_permille, 100);
	assert_int_equal(s->n_backends, 2);
	b = &s->backends[0];
	assert_string_equal(b->name, "a");
	assert_int_equal(b->addr.addr.v4, htonl(0x0a01000b));
	assert_int_equal(b->port, 443);
	assert_int_equal(b->weight, 100);
	assert_null(b->site);
	assert_int_equal(b->site_id, 0);
	assert_int_equal(b->health.type, EDGELB_CONFIG_HEALTH_TCP);
	assert_int_equal(b->health.port, 443);
	b = &s->backends[1];
	assert_int_equal(b->port, 8443);
	assert_int_equal(b->weight, 0);
	assert_int_equal(b->health.port, 8443);
	assert_int_equal(edgelb_config_backend_count(&cfg), 2);
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
}

static void test_service_options(void **state)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;
	const struct edgelb_config_service *s;
	const uint8_t vip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };

	(void)state;
	/* a v4 backend behind a v6 VIP is fine with GUE */
	parse_ok(HEAD "services = ( {\n"
		      "  name = \"v6\"; vip = \"2001:db8::10\"; port = 0; protocol = \"udp\";\n"
		      "  encap = \"gue\"; ring_size = 655373; mtu = 9000; mtu_policy = \"drop\";\n"
		      "  hash = \"addresses\"; health = { type = \"none\"; };\n"
		      "  backends = ( { name = \"a\"; address = \"10.1.0.11\"; } );\n"
		      "} );\n",
		 &cfg, &errs);
	s = &cfg.services[0];
	assert_int_equal(s->vip.family, EDGELB_AF_INET6);
	assert_memory_equal(s->vip.addr.bytes, vip6, 16);
	assert_int_equal(s->vip.prefix_len, 128);
	assert_int_equal(s->port, 0);
	assert_int_equal(s->proto, IPPROTO_UDP);
	assert_int_equal(s->encap, EDGELB_ENCAP_GUE);
	assert_int_equal(s->gue_port, 6080);
	assert_int_equal(s->ring_size, 655373);
	assert_int_equal(s->mtu, 9000);
	assert_int_equal(s->mtu_policy, EDGELB_CONFIG_MTU_DROP);
	assert_int_equal(s->hash, EDGELB_CONFIG_HASH_ADDRESSES);
	assert_int_equal(s->backends[0].addr.family, EDGELB_AF_INET);
	assert_int_equal(s->backends[0].port, 0);
	assert_int_equal(s->backends[0].health.type, EDGELB_CONFIG_HEALTH_NONE);
	assert_int_equal(s->backends[0].health.port, 0);
	assert_int_equal(errs.n_warnings, 0);
	edgelb_config_free(&cfg);

	parse_ok(HEAD "services = ( { name = \"g\"; vip = \"192.0.2.1\"; port = 80;\n"
		      "  encap = \"gue\"; gue_port = 5555; } );\n",
		 &cfg, &errs);
	assert_int_equal(cfg.services[0].gue_port, 5555);
	assert_false(cfg.services[0].gue_ipv6_zero_checksum);
	edgelb_config_free(&cfg);

	parse_ok(HEAD "services = ( { name = \"g\"; vip = \"2001:db8::10\"; port = 80;\n"
		      "  encap = \"gue\"; gue_ipv6_zero_checksum = true;\n"
		      "  backends = ( { name = \"a\"; address = \"2001:db8:1::11\"; } ); } );\n",
		 &cfg, &errs);
	assert_true(cfg.services[0].gue_ipv6_zero_checksum);
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
}

static void test_icmp_too_big_limits(void **state)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;

	(void)state;
	parse_ok("instance = \"t\";\n"
		 "dataplane = { interfaces = [ \"eth0\" ];\n"
		 "  icmp_too_big_rate = 0; icmp_too_big_burst = 100000; };\n",
		 &cfg, &errs);
	assert_int_equal(cfg.dataplane.icmp_too_big_rate, 0);
	assert_int_equal(cfg.dataplane.icmp_too_big_burst, 100000);
	edgelb_config_free(&cfg);

	parse_ok("instance = \"t\";\n"
		 "dataplane = { interfaces = [ \"eth0\" ];\n"
		 "  icmp_too_big_rate = 1000000; icmp_too_big_burst = 1; };\n",
		 &cfg, &errs);
	assert_int_equal(cfg.dataplane.icmp_too_big_rate, 1000000);
	assert_int_equal(cfg.dataplane.icmp_too_big_burst, 1);
	assert_int_equal(errs.count, 0);
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
}

/*
 * The new-flow guard: off with rate 0 (a burst then only warns), the burst
 * a tenth of the rate unless given, and a warning for a burst shallower
 * than the data plane's clock tick (4 ms of the rate).
 */
static void test_new_flow_guard(void **state)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;

	(void)state;
	parse_ok("instance = \"t\";\n"
		 "dataplane = { interfaces = [ \"eth0\" ];\n"
		 "  new_flow_rate = 0; };\n",
		 &cfg, &errs);
	assert_int_equal(cfg.dataplane.new_flow_rate, 0);
	assert_int_equal(errs.count, 0);
	edgelb_config_free(&cfg);

	parse_ok("instance = \"t\";\n"
		 "dataplane = { interfaces = [ \"eth0\" ];\n"
		 "  new_flow_rate = 1000000; };\n",
		 &cfg, &errs);
	assert_int_equal(cfg.dataplane.new_flow_rate, 1000000);
	assert_int_equal(cfg.dataplane.new_flow_burst, 100000);
	assert_int_equal(errs.n_warnings, 0);
	edgelb_config_free(&cfg);

	parse_ok("instance = \"t\";\n"
		 "dataplane = { interfaces = [ \"eth0\" ];\n"
		 "  new_flow_rate = 9; new_flow_burst = 1; };\n",
		 &cfg, &errs);
	assert_int_equal(cfg.dataplane.new_flow_rate, 9);
	assert_int_equal(cfg.dataplane.new_flow_burst, 1);
	assert_int_equal(errs.n_warnings, 0);
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);

	parse_ok("instance = \"t\";\n"
		 "dataplane = { interfaces = [ \"eth0\" ];\n"
		 "  new_flow_rate = 0; new_flow_burst = 5; };\n",
		 &cfg, &errs);
	assert_int_equal(errs.n_warnings, 1);
	assert_non_null(find_message(&errs, FILE_NAME ":3: dataplane.new_flow_burst: warning: "
						    "has no effect: new_flow_rate = 0"));
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);

	/* 250 000/s: 4 ms of it is 1000 */
	parse_ok("instance = \"t\";\n"
		 "dataplane = { interfaces = [ \"eth0\" ];\n"
		 "  new_flow_rate = 250000; new_flow_burst = 999; };\n",
		 &cfg, &errs);
	assert_int_equal(errs.n_warnings, 1);
	assert_non_null(find_message(&errs, FILE_NAME ":3: dataplane.new_flow_burst: warning: "
						    "999 is under 4 ms of new_flow_rate (1000)"));
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
}

/* dpdk_args is read and kept, and says that it does nothing in this version */
static void test_dpdk_args_warns(void **state)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;

	(void)state;
	parse_ok("instance = \"t\";\n"
		 "dataplane = { interfaces = [ \"tap0\" ]; mode = \"dpdk\";\n"
		 "  dpdk_args = [ \"-l\", \"2-5\" ]; };\n",
		 &cfg, &errs);
	assert_int_equal(cfg.dataplane.n_dpdk_args, 2);
	assert_string_equal(cfg.dataplane.dpdk_args[1], "2-5");
	assert_int_equal(errs.n_warnings, 1);
	assert_non_null(find_message(&errs, FILE_NAME ":3: dataplane.dpdk_args: warning: "
						    "has no effect: edgelbd does not start edgelb-dpdk"));
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
}

/* The smallest mtu for each VIP family, encapsulation and backend family. */
static void test_mtu_min(void **state)
{
	(void)state;
	assert_int_equal(edgelb_config_mtu_min(EDGELB_AF_INET6, EDGELB_ENCAP_GUE,
					       EDGELB_AF_INET6), 1328);
	assert_int_equal(edgelb_config_mtu_min(EDGELB_AF_INET6, EDGELB_ENCAP_GUE,
					       EDGELB_AF_INET), 1308);
	assert_int_equal(edgelb_config_mtu_min(EDGELB_AF_INET6, EDGELB_ENCAP_IPIP,
					       EDGELB_AF_INET6), 1320);
	assert_int_equal(edgelb_config_mtu_min(EDGELB_AF_INET6, EDGELB_ENCAP_DSR,
					       EDGELB_AF_INET6), 1280);
	assert_int_equal(edgelb_config_mtu_min(EDGELB_AF_INET6, EDGELB_ENCAP_GUE,
					       EDGELB_AF_NONE), 1280);
	assert_int_equal(edgelb_config_mtu_min(EDGELB_AF_INET, EDGELB_ENCAP_IPIP,
					       EDGELB_AF_INET), 88);
	assert_int_equal(edgelb_config_mtu_min(EDGELB_AF_INET, EDGELB_ENCAP_GUE,
					       EDGELB_AF_INET6), 116);
	assert_int_equal(edgelb_config_mtu_min(EDGELB_AF_INET, EDGELB_ENCAP_GUE,
					       EDGELB_AF_INET), 96);
	assert_int_equal(edgelb_config_mtu_min(EDGELB_AF_INET, EDGELB_ENCAP_DSR,
					       EDGELB_AF_INET), 68);
	assert_int_equal(edgelb_config_mtu_min(EDGELB_AF_INET, EDGELB_ENCAP_IPIP,
					       EDGELB_AF_NONE), 68);
}

/* Each mtu exactly at the smallest value its backends allow loads. */
static void test_mtu_at_minimum(void **state)
{
	static const char *const texts[] = {
		HEAD "services = ( { name = \"w\"; vip = \"2001:db8::10\"; port = 80;\n"
		     "  encap = \"gue\"; mtu = 1328;\n"
		     "  backends = ( { name = \"a\"; address = \"10.1.0.11\"; },\n"
		     "               { name = \"b\"; address = \"2001:db8:1::12\"; } ); } );\n",
		HEAD "services = ( { name = \"w\"; vip = \"2001:db8::10\"; port = 80;\n"
		     "  encap = \"gue\"; mtu = 1308;\n"
		     "  backends = ( { name = \"a\"; address = \"10.1.0.11\"; } ); } );\n",
		HEAD "services = ( { name = \"w\"; vip = \"2001:db8::10\"; port = 80;\n"
		     "  mtu = 1320;\n"
		     "  backends = ( { name = \"a\"; address = \"2001:db8:1::11\"; } ); } );\n",
		HEAD "services = ( { name = \"w\"; vip = \"2001:db8::10\"; port = 80;\n"
		     "  encap = \"dsr\"; mtu = 1280;\n"
		     "  backends = ( { name = \"a\"; address = \"2001:db8:1::11\"; } ); } );\n",
		/* no backends yet: only the family's minimum */
		HEAD "services = ( { name = \"w\"; vip = \"2001:db8::10\"; port = 80;\n"
		     "  encap = \"gue\"; mtu = 1280; } );\n",
		/* IPv4: 576 is far above 68 + 48 */
		HEAD "services = ( { name = \"w\"; vip = \"192.0.2.10\"; port = 80;\n"
		     "  encap = \"gue\"; mtu = 576;\n"
		     "  backends = ( { name = \"a\"; address = \"2001:db8:1::11\"; } ); } );\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct edgelb_config_errors errs = { 0 };
		struct edgelb_config cfg;

		parse_ok(texts[i], &cfg, &errs);
		assert_int_equal(errs.count, 0);
		edgelb_config_free(&cfg);
		edgelb_config_errors_free(&errs);
	}
}

struct addr_case {
	const char *text;
	unsigned int flags;
	const char *expect; /* NULL: usable */
};

#define THIS_NET "is a \"this network\" address (0.0.0.0/8)"
#define RESERVED "is a reserved address (240.0.0.0/4)"
#define MAPPED "is an IPv4-mapped IPv6 address; write the IPv4 address"

/* Both sides of every boundary, both families. */
static const struct addr_case addr_cases[] = {
	{ "0.0.0.0", 0, "is the unspecified address" },
	{ "0.0.0.1", 0, THIS_NET },
	{ "0.255.255.255", 0, THIS_NET },
	{ "1.0.0.0", 0, NULL },
	{ "10.0.0.1", 0, NULL },
	{ "126.255.255.255", 0, NULL },
	{ "127.0.0.0", 0, "is a loopback address" },
	{ "127.0.0.1", 0, "is a loopback address" },
	{ "127.255.255.255", 0, "is a loopback address" },
	{ "128.0.0.0", 0, NULL },
	{ "169.254.1.1", 0, NULL }, /* link-local */
	{ "192.0.2.10", 0, NULL },
	{ "223.255.255.255", 0, NULL },
	{ "224.0.0.0", 0, "is a multicast address" },
	{ "239.255.255.255", 0, "is a multicast address" },
	{ "240.0.0.0", 0, RESERVED },
	{ "255.255.255.254", 0, RESERVED },
	{ "255.255.255.255", 0, "is the broadcast address" },
	{ "::", 0, "is the unspecified address" },
	{ "::1", 0, "is a loopback address" },
	{ "::2", 0, NULL },
	{ "::100:0:1", 0, NULL },
	{ "::fffe:ffff:ffff", 0, NULL },
	{ "::ffff:0:0", 0, MAPPED },
	{ "::ffff:10.0.0.1", 0, MAPPED },
	{ "::ffff:ffff:ffff", 0, MAPPED },
	{ "::1:ffff:0:0", 0, NULL },
	{ "64:ff9b::192.0.2.1", 0, NULL },
	{ "2001:db8::10", 0, NULL },
	{ "fe80::1", 0, NULL }, /* link-local is allowed */
	{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, NULL },
	{ "ff00::", 0, "is a multicast address" },
	{ "ff02::1", 0, "is a multicast address" },
	/* a socket to listen on: the wildcard and loopback too, nothing more */
	{ "0.0.0.0", EDGELB_ADDR_CHECK_LISTEN, NULL },
	{ "127.0.0.1", EDGELB_ADDR_CHECK_LISTEN, NULL },
	{ "0.0.0.1", EDGELB_ADDR_CHECK_LISTEN, THIS_NET },
	{ "224.0.0.1", EDGELB_ADDR_CHECK_LISTEN, "is a multicast address" },
	{ "240.0.0.1", EDGELB_ADDR_CHECK_LISTEN, RESERVED },
	{ "255.255.255.255", EDGELB_ADDR_CHECK_LISTEN, "is the broadcast address" },
	{ "::", EDGELB_ADDR_CHECK_LISTEN, NULL },
	{ "::1", EDGELB_ADDR_CHECK_LISTEN, NULL },
	{ "ff02::1", EDGELB_ADDR_CHECK_LISTEN, "is a multicast address" },
	{ "::ffff:127.0.0.1", EDGELB_ADDR_CHECK_LISTEN, MAPPED },
};

static void test_addr_check(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]); i++) {
		const struct addr_case *c = &addr_cases[i];
		union edgelb_addr a = { 0 };
		uint8_t family = EDGELB_AF_INET;
		const char *got;

		if (inet_pton(AF_INET, c->text, &a.v4) != 1) {
			family = EDGELB_AF_INET6;
			assert_int_equal(inet_pton(AF_INET6, c->text, a.bytes), 1);
		}
		got = edgelb_addr_check(family, &a, c->flags);
		if (!c->expect != !got || (got && strcmp(got, c->expect)))
			print_message("%s (flags %u): want %s, got %s\n", c->text, c->flags,
				      c->expect ? c->expect : "usable", got ? got : "usable");
		if (c->expect)
			assert_string_equal(got, c->expect);
		else
			assert_null(got);
	}
	assert_string_equal(edgelb_addr_check(EDGELB_AF_NONE, &(union edgelb_addr){ 0 }, 0),
			    "is not an IPv4 or IPv6 address");
}

/* metrics_listen keeps accepting the wildcard and loopback, not the rest. */
static void test_metrics_listen_addresses(void **state)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;
	int ret;

	(void)state;
	parse_ok(HEAD "metrics_listen = \"[::]:9274\";\n", &cfg, &errs);
	assert_int_equal(cfg.metrics_addr.family, EDGELB_AF_INET6);
	edgelb_config_free(&cfg);
	parse_ok(HEAD "metrics_listen = \"127.0.0.53:9274\";\n", &cfg, &errs);
	assert_int_equal(cfg.metrics_addr.family, EDGELB_AF_INET);
	edgelb_config_free(&cfg);
	ret = edgelb_config_parse_string(HEAD "metrics_listen = \"0.1.2.3:9274\";\n", FILE_NAME,
					 &cfg, &errs);
	assert_int_equal(ret, -EINVAL);
	assert_string_equal(errs.items[0].text,
			    FILE_NAME ":3: metrics_listen: \"0.1.2.3:9274\": the address "
				      "is a \"this network\" address (0.0.0.0/8)");
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
}

static void test_health_inheritance(void **state)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;
	const struct edgelb_config_service *s;
	const struct edgelb_config_health *h;

	(void)state;
	parse_ok(HEAD "services = ( {\n"
		      "  name = \"web\"; vip = \"192.0.2.10\"; port = 443;\n"
		      "  health = { type = \"http\"; port = 8080; interval = 5; timeout = 0.25;\n"
		      "    rise = 3; fall = 4; jitter = 0.2; hold_down = 30; through_tunnel = true;\n"
		      "    http = { path = \"/healthz\"; host = \"www.example.com\";\n"
		      "             status = \"200-204, 301\"; body = \"ok\"; }; };\n"
		      "  backends = (\n"
		      "    { name = \"a\"; address = \"10.0.0.1\"; },\n"
		      "    { name = \"b\"; address = \"10.0.0.2\";\n"
		      "      health = { http = { host = \"b.example.com\"; }; fall = 1; }; },\n"
		      "    { name = \"c\"; address = \"10.0.0.3\"; health = { type = \"exec\";\n"
		      "      exec = { command = [ \"/bin/check\", \"-v\" ]; }; }; }\n"
		      "  );\n"
		      "} );\n",
		 &cfg, &errs);
	s = &cfg.services[0];
	h = &s->health;
	assert_int_equal(h->type, EDGELB_CONFIG_HEALTH_HTTP);
	assert_int_equal(h->port, 8080);
	assert_int_equal(h->interval_ms, 5000);
	assert_int_equal(h->timeout_ms, 250);
	assert_int_equal(h->rise, 3);
	assert_int_equal(h->fall, 4);
	assert_int_equal(h->jitter_permille, 200);
	assert_int_equal(h->hold_down_ms, 30000);
	assert_true(h->through_tunnel);
	assert_string_equal(h->http_path, "/healthz");
	assert_string_equal(h->http_host, "www.example.com");
	assert_string_equal(h->http_body, "ok");
	assert_int_equal(h->n_http_status, 2);
	assert_int_equal(h->http_status[0].lo, 200);
	assert_int_equal(h->http_status[0].hi, 204);
	assert_int_equal(h->http_status[1].lo, 301);
	assert_int_equal(h->http_status[1].hi, 301);

	h = &s->backends[0].health; /* all inherited */
	assert_int_equal(h->type, EDGELB_CONFIG_HEALTH_HTTP);
	assert_int_equal(h->port, 8080);
	assert_string_equal(h->http_host, "www.example.com");
	assert_ptr_not_equal(h->http_host, s->health.http_host); /* own copy */

	h = &s->backends[1].health; /* one key of http and fall overridden */
	assert_string_equal(h->http_host, "b.example.com");
	assert_string_equal(h->http_path, "/healthz");
	assert_int_equal(h->fall, 1);
	assert_int_equal(h->rise, 3);

	h = &s->backends[2].health;
	assert_int_equal(h->type, EDGELB_CONFIG_HEALTH_EXEC);
	assert_int_equal(h->exec_argc, 2);
	assert_string_equal(h->exec_argv[0], "/bin/check");
	assert_string_equal(h->exec_argv[1], "-v");
	assert_null(h->exec_argv[2]);
	edgelb_config_free(&cfg);

	/* HTTP defaults: path "/" and 2xx-3xx */
	parse_ok(HEAD "services = ( { name = \"w\"; vip = \"192.0.2.1\"; port = 80;\n"
		      "  health = { type = \"http\"; }; } );\n",
		 &cfg, &errs);
	h = &cfg.services[0].health;
	assert_string_equal(h->http_path, "/");
	assert_null(h->http_host);
	assert_int_equal(h->n_http_status, 1);
	assert_int_equal(h->http_status[0].lo, 200);
	assert_int_equal(h->http_status[0].hi, 399);
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
}

static void test_vrrp_values(void **state)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;
	const struct edgelb_config_vrrp *v;

	(void)state;
	parse_ok(HEAD "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
		      "  backends = ( { name = \"a\"; address = \"10.0.0.1\"; },\n"
		      "               { name = \"b\"; address = \"10.0.0.2\"; } ); },\n"
		      "  { name = \"web6\"; vip = \"2001:db8::10\"; port = 80; } );\n"
		      "vrrp = (\n"
		      "  { name = \"v4\"; vrid = 51; interface = \"eth0\"; priority = 150;\n"
		      "    vips = [ \"192.0.2.10/24\", \"192.0.2.11\" ];\n"
		      "    unicast_src = \"10.0.0.2\"; unicast_peers = [ \"10.0.0.3\" ];\n"
		      "    track = { services = ( { name = \"web\"; min_healthy = 2; weight = -50; } );\n"
		      "              interfaces = ( { name = \"eth1\"; } );\n"
		      "              scripts = ( { name = \"chk\"; command = [ \"/bin/chk\" ]; } ); };\n"
		      "    notify = { master = \"/etc/edgelb/n.sh\"; };\n"
		      "    sync_group = \"g\"; },\n"
		      "  { name = \"v6\"; vrid = 51; interface = \"eth0\"; advert_int = 0.5;\n"
		      "    vips = [ \"2001:db8::10/64\" ]; sync_group = \"g\"; },\n"
		      "  { name = \"v2\"; vrid = 52; interface = \"eth0\"; version = 2; advert_int = 3;\n"
		      "    auth_pass = \"secret\"; preempt = false; accept = true; use_vmac = true;\n"
		      "    garp = { count = 2; interval = 0.5; refresh = 60; };\n"
		      "    vips = [ \"198.51.100.1\" ]; }\n"
		      ");\n",
		 &cfg, &errs);
	assert_int_equal(cfg.n_vrrp, 3);
	v = &cfg.vrrp[0];
	assert_string_equal(v->name, "v4");
	assert_int_equal(v->vrid, 51);
	assert_string_equal(v->interface, "eth0");
	assert_int_equal(v->version, 3);
	assert_int_equal(v->priority, 150);
	assert_int_equal(v->advert_int_cs, 100);
	assert_true(v->preempt);
	assert_false(v->accept);
	assert_int_equal(v->preempt_delay_ms, 0);
	assert_null(v->auth_pass);
	assert_int_equal(v->family, EDGELB_AF_INET);
	assert_int_equal(v->n_vips, 2);
	assert_int_equal(v->vips[0].addr.v4, htonl(0xc000020a));
	assert_int_equal(v->vips[0].prefix_len, 24);
	assert_int_equal(v->vips[1].prefix_len, 32);
	assert_int_equal(v->unicast_src.addr.v4, htonl(0x0a000002));
	assert_int_equal(v->n_unicast_peers, 1);
	assert_int_equal(v->unicast_peers[0].addr.v4, htonl(0x0a000003));
	assert_int_equal(v->garp_count, 5);
	assert_int_equal(v->garp_interval_ms, 0);
	assert_int_equal(v->garp_refresh_ms, 0);
	assert_int_equal(v->n_track_services, 1);
	assert_int_equal(v->track_services[0].service, 0);
	assert_int_equal(v->track_services[0].min_healthy, 2);
	assert_int_equal(v->track_services[0].weight, -50);
	assert_int_equal(v->n_track_interfaces, 1);
	assert_int_equal(v->track_interfaces[0].weight, 0);
	assert_int_equal(v->n_track_scripts, 1);
	assert_int_equal(v->track_scripts[0].interval_ms, 2000);
	assert_int_equal(v->track_scripts[0].timeout_ms, 1000);
	assert_string_equal(v->track_scripts[0].argv[0], "/bin/chk");
	assert_string_equal(v->notify_master, "/etc/edgelb/n.sh");
	assert_null(v->notify_backup);
	assert_string_equal(v->sync_group, "g");

	/* the same VRID on the same interface is fine for the other family */
	v = &cfg.vrrp[1];
	assert_int_equal(v->vrid, 51);
	assert_int_equal(v->family, EDGELB_AF_INET6);
	assert_int_equal(v->advert_int_cs, 50);
	assert_int_equal(v->vips[0].prefix_len, 64);

	v = &cfg.vrrp[2];
	assert_int_equal(v->version, 2);
	assert_int_equal(v->advert_int_cs, 300);
	assert_string_equal(v->auth_pass, "secret");
	assert_false(v->preempt);
	assert_true(v->accept);
	assert_true(v->use_vmac);
	assert_int_equal(v->garp_count, 2);
	assert_int_equal(v->garp_interval_ms, 500);
	assert_int_equal(v->garp_refresh_ms, 60000);
	assert_int_equal(v->n_unicast_peers, 0);
	assert_int_equal(v->unicast_src.family, EDGELB_AF_NONE);
	/* every service VIP is owned by an instance: no warning */
	if (errs.n_warnings)
		dump_messages(&errs);
	assert_int_equal(errs.n_warnings, 0);
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
}

/* Site numbers follow sorted names, not file order (same ids on every node). */
static void test_sites_sorted(void **state)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;
	const struct edgelb_config_backend *b;

	(void)state;
	parse_ok(HEAD "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
		      "  backends = ( { name = \"a\"; address = \"10.0.0.1\"; site = \"dc2\"; },\n"
		      "               { name = \"b\"; address = \"10.0.0.2\"; site = \"dc1\"; },\n"
		      "               { name = \"c\"; address = \"10.0.0.3\"; },\n"
		      "               { name = \"d\"; address = \"10.0.0.4\"; site = \"dc2\"; } ); } );\n",
		 &cfg, &errs);
	assert_int_equal(cfg.n_sites, 2);
	assert_string_equal(cfg.sites[0], "dc1");
	assert_string_equal(cfg.sites[1], "dc2");
	b = cfg.services[0].backends;
	assert_int_equal(b[0].site_id, 2);
	assert_string_equal(b[0].site, "dc2");
	assert_int_equal(b[1].site_id, 1);
	assert_int_equal(b[2].site_id, 0);
	assert_int_equal(b[3].site_id, 2);
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
}

static void test_warnings_do_not_fail(void **state)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;
	const struct edgelb_config_error *e;

	(void)state;
	parse_ok("instance = \"t\";\n"
		 "dataplane = { interfaces = [ \"veth0\" ];\n"
		 "  xdp_mode = \"generic\"; };\n"
		 "services = ( { name = \"dns\"; vip = \"192.0.2.53\"; port = 53;\n"
		 "  protocol = \"udp\"; } );\n",
		 &cfg, &errs);
	assert_int_equal(cfg.dataplane.xdp_mode, EDGELB_CONFIG_XDP_GENERIC);
	assert_int_equal(errs.n_warnings, 2);
	e = find_message(&errs, FILE_NAME ":3: dataplane.xdp_mode: warning: generic XDP");
	assert_non_null(e);
	assert_int_equal(e->severity, EDGELB_CONFIG_WARNING);
	assert_non_null(find_message(&errs, FILE_NAME ":4: services[0].health: warning: UDP "
						    "service without a health check type"));
	assert_int_equal(cfg.services[0].health.type, EDGELB_CONFIG_HEALTH_NONE);
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
}

/* Every error is reported, sorted by line, not only the first. */
static void test_all_errors_collected(void **state)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;
	int ret;

	(void)state;
	ret = edgelb_config_parse_string(
		"instance = \"t\";\n"
		"dataplane = { interfaces = [ \"eth0\" ]; };\n"
		"services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 80;\n"
		"  backends = (\n"
		"    { name = \"a\"; address = \"10.0.0.300\"; },\n"
		"    { name = \"b\"; address = \"10.0.0.2\"; weight = -3; } );\n"
		"  bogus = 1; } );\n"
		"colour = \"blue\";\n",
		FILE_NAME, &cfg, &errs);
	assert_int_equal(ret, -EINVAL);
	if (errs.n_errors != 4)
		dump_messages(&errs);
	assert_int_equal(errs.n_errors, 4);
	assert_int_equal(errs.count, 4);
	assert_int_equal(errs.items[0].line, 5);
	assert_int_equal(errs.items[1].line, 6);
	assert_int_equal(errs.items[2].line, 7);
	assert_string_equal(errs.items[2].path, "services[0].bogus");
	assert_string_equal(errs.items[2].message, "unknown setting");
	assert_int_equal(errs.items[3].line, 8);
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
}

/* More messages than are stored: counted, never lost from the totals. */
static void test_error_cap(void **state)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;
	size_t n = EDGELB_CONFIG_ERRORS_MAX + 50, size = 200 + n * 64, used;
	char *text = malloc(size);
	int ret;

	(void)state;
	assert_non_null(text);
	used = (size_t)snprintf(text, size, HEAD "services = ( { name = \"w\"; vip = \"192.0.2.1\";"
						 " port = 80; backends = (\n");
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(text + used, size - used,
					 "%s{ name = \"b%zu\"; address = \"10.0.0.999\"; }\n",
					 i ? "," : "", i);
	snprintf(text + used, size - used, "); } );\n");
	ret = edgelb_config_parse_string(text, FILE_NAME, &cfg, &errs);
	assert_int_equal(ret, -EINVAL);
	assert_int_equal(errs.n_errors, n);
	assert_int_equal(errs.count, EDGELB_CONFIG_ERRORS_MAX);
	assert_int_equal(errs.n_dropped, 50);
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
	free(text);
}

static void test_example_loads(void **state)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;
	const char *root = getenv("EDGELB_SOURCE_ROOT");
	char path[4096];
	int ret;

	(void)state;
	assert_non_null(root);
	snprintf(path, sizeof(path), "%s/docs/edgelb.conf.example", root);
	ret = edgelb_config_load(path, &cfg, &errs);
	if (ret || errs.count)
		dump_messages(&errs);
	assert_int_equal(ret, 0);
	/* the example is what operators copy: it must not even warn */
	assert_int_equal(errs.count, 0);
	assert_string_equal(cfg.instance, "edge1");
	assert_int_equal(cfg.n_services, 4);
	assert_int_equal(edgelb_config_backend_count(&cfg), 13);
	assert_int_equal(cfg.n_vrrp, 2);
	assert_int_equal(cfg.n_sites, 2);
	assert_string_equal(cfg.sites[0], "dc1");
	assert_int_equal(cfg.vrrp[0].family, EDGELB_AF_INET);
	assert_int_equal(cfg.vrrp[1].family, EDGELB_AF_INET6);
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
}

static void test_load_errors(void **state)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;
	char path[] = "/tmp/edgelb-test-config-XXXXXX";
	static const char nul_text[] = "instance = \"t\";\n\ndata\0plane";
	int fd, ret;

	(void)state;
	ret = edgelb_config_load("/nonexistent/edgelb.conf", &cfg, &errs);
	assert_int_equal(ret, -ENOENT);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.items[0].text,
			    "/nonexistent/edgelb.conf: cannot open: No such file or directory");
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);

	ret = edgelb_config_load("/", &cfg, &errs);
	assert_int_equal(ret, -EINVAL);
	assert_string_equal(errs.items[0].text, "/: not a regular file");
	edgelb_config_errors_free(&errs);

	/* a NUL byte would make libconfig ignore the rest of the file */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, nul_text, sizeof(nul_text) - 1), sizeof(nul_text) - 1);
	close(fd);
	ret = edgelb_config_load(path, &cfg, &errs);
	unlink(path);
	assert_int_equal(ret, -EINVAL);
	assert_int_equal(errs.items[0].line, 3);
	assert_non_null(strstr(errs.items[0].text, ":3: contains a NUL byte"));
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
}

static void test_fifo_alarm(int sig)
{
	(void)sig; /* only there to interrupt a blocking open() or read() */
}

/*
 * "edgelbd --check-config FIFO" must not wait for a writer: the file is
 * refused as not regular, at once. An alarm interrupts a blocked open() so
 * that a regression fails here instead of hanging the suite.
 */
static void test_load_fifo(void **state)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;
	struct sigaction sa = { .sa_handler = test_fifo_alarm }, old;
	char dir[] = "/tmp/edgelb-test-fifo-XXXXXX";
	char path[sizeof(dir) + 16], want[sizeof(path) + 32];
	int ret;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/edgelb.conf", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0); /* no SA_RESTART */
	alarm(5);
	ret = edgelb_config_load(path, &cfg, &errs);
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	unlink(path);
	rmdir(dir);
	if (ret != -EINVAL && errs.count)
		print_message("got: %s\n", errs.items[0].text);
	assert_int_equal(ret, -EINVAL);
	assert_int_equal(errs.count, 1);
	snprintf(want, sizeof(want), "%s: not a regular file", path);
	assert_string_equal(errs.items[0].text, want);
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);

	/* a device is refused before it is opened, whatever opening it does */
	ret = edgelb_config_load("/dev/null", &cfg, &errs);
	assert_int_equal(ret, -EINVAL);
	assert_string_equal(errs.items[0].text, "/dev/null: not a regular file");
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
}

/*
 * Widening wide literals for libconfig leaves strings and comments alone,
 * and in-range values keep working with or without the "L" suffix.
 */
static void test_wide_integers_in_range(void **state)
{
	struct edgelb_config_errors errs = { 0 };
	struct edgelb_config cfg;
	const struct edgelb_config_service *s;

	(void)state;
	parse_ok(HEAD "# weight = 4294967296; // 99999999999999999999999\n"
		      "/* port = 0x100000050; \"4294967376\" */\n"
		      "services = ( { name = \"web\"; vip = \"192.0.2.10\"; port = 0x50;\n"
		      "  ring_size = 65537L; health = { type = \"http\"; interval = 2.5e0;\n"
		      "    http = { path = \"/x/4294967296/\\\"99999999999999999999999\"; }; };\n"
		      "  backends = ( { name = \"a\"; address = \"10.0.0.1\"; weight = 200L; },\n"
		      "    { name = \"b\"; address = \"10.0.0.2\"; weight = 0x00000000000000FF; }"
		      " ); } );\n",
		 &cfg, &errs);
	s = &cfg.services[0];
	assert_int_equal(s->port, 80);
	assert_int_equal(s->ring_size, 65537);
	assert_int_equal(s->backends[0].weight, 200);
	assert_int_equal(s->backends[1].weight, 255);
	assert_int_equal(s->backends[0].health.interval_ms, 2500);
	assert_string_equal(s->backends[0].health.http_path,
			    "/x/4294967296/\"99999999999999999999999");
	edgelb_config_free(&cfg);
	edgelb_config_errors_free(&errs);
}

int main(void)
{
	const struct CMUnitTest good[] = {
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_top_level_values),
		cmocka_unit_test(test_service_values),
		cmocka_unit_test(test_service_options),
		cmocka_unit_test(test_icmp_too_big_limits),
		cmocka_unit_test(test_new_flow_guard),
		cmocka_unit_test(test_mtu_min),
		cmocka_unit_test(test_mtu_at_minimum),
		cmocka_unit_test(test_addr_check),
		cmocka_unit_test(test_metrics_listen_addresses),
		cmocka_unit_test(test_health_inheritance),
		cmocka_unit_test(test_vrrp_values),
		cmocka_unit_test(test_sites_sorted),
		cmocka_unit_test(test_warnings_do_not_fail),
		cmocka_unit_test(test_all_errors_collected),
		cmocka_unit_test(test_dpdk_args_warns),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_example_loads),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_load_fifo),
		cmocka_unit_test(test_wide_integers_in_range),
	};
	size_t n_bad = sizeof(bad_cases) / sizeof(bad_cases[0]);
	struct CMUnitTest *bad = calloc(n_bad, sizeof(*bad));
	int failed;

	if (!bad)
		return 1;
	/* one named test per table row, so a failure says which config */
	for (size_t i = 0; i < n_bad; i++) {
		bad[i].name = bad_cases[i].name;
		bad[i].test_func = test_bad_config;
		bad[i].initial_state = (void *)&bad_cases[i];
	}
	failed = cmocka_run_group_tests_name("config_good", good, NULL, NULL);
	failed += _cmocka_run_group_tests("config_bad", bad, n_bad, NULL, NULL);
	free(bad);
	return failed ? 1 : 0;
}
