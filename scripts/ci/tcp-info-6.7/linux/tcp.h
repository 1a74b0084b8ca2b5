/* The `struct tcp_info` of Linux 6.7's include/uapi/linux/tcp.h, for scripts/ci/tcp-info-layouts.sh.
 *
 * Not the kernel's header: only the struct CSockDiag's shim.c checks csd_tcp_info against, written
 * from the published layout. Compared with Linux 6.1 (232 bytes, what Debian 12 ships):
 *   Linux 6.2 appended  __u32 tcpi_rcv_wnd; __u32 tcpi_rehash;                         (240 bytes)
 *   Linux 6.7 appended  __u16 tcpi_total_rto; __u16 tcpi_total_rto_recoveries;
 *                       __u32 tcpi_total_rto_time;                                     (248 bytes)
 * An include path that puts this directory first makes `#include <linux/tcp.h>` find it, as a
 * newer distribution's kernel headers would be found (Ubuntu 24.04: 6.8, Fedora and Arch: newer).
 */
#ifndef _LINUX_TCP_H
#define _LINUX_TCP_H
#define _UAPI_LINUX_TCP_H

#include <linux/types.h>

struct tcp_info {
	__u8	tcpi_state;
	__u8	tcpi_ca_state;
	__u8	tcpi_retransmits;
	__u8	tcpi_probes;
	__u8	tcpi_backoff;
	__u8	tcpi_options;
	__u8	tcpi_snd_wscale : 4, tcpi_rcv_wscale : 4;
	__u8	tcpi_delivery_rate_app_limited:1, tcpi_fastopen_client_fail:2;

	__u32	tcpi_rto;
	__u32	tcpi_ato;
	__u32	tcpi_snd_mss;
	__u32	tcpi_rcv_mss;

	__u32	tcpi_unacked;
	__u32	tcpi_sacked;
	__u32	tcpi_lost;
	__u32	tcpi_retrans;
	__u32	tcpi_fackets;

	/* Times. */
	__u32	tcpi_last_data_sent;
	__u32	tcpi_last_ack_sent;
	__u32	tcpi_last_data_recv;
	__u32	tcpi_last_ack_recv;

	/* Metrics. */
	__u32	tcpi_pmtu;
	__u32	tcpi_rcv_ssthresh;
	__u32	tcpi_rtt;
	__u32	tcpi_rttvar;
	__u32	tcpi_snd_ssthresh;
	__u32	tcpi_snd_cwnd;
	__u32	tcpi_advmss;
	__u32	tcpi_reordering;

	__u32	tcpi_rcv_rtt;
	__u32	tcpi_rcv_space;

	__u32	tcpi_total_retrans;

	__u64	tcpi_pacing_rate;
	__u64	tcpi_max_pacing_rate;
	__u64	tcpi_bytes_acked;
	__u64	tcpi_bytes_received;
	__u32	tcpi_segs_out;
	__u32	tcpi_segs_in;

	__u32	tcpi_notsent_bytes;
	__u32	tcpi_min_rtt;
	__u32	tcpi_data_segs_in;
	__u32	tcpi_data_segs_out;

	__u64   tcpi_delivery_rate;

	__u64	tcpi_busy_time;
	__u64	tcpi_rwnd_limited;
	__u64	tcpi_sndbuf_limited;

	__u32	tcpi_delivered;
	__u32	tcpi_delivered_ce;

	__u64	tcpi_bytes_sent;
	__u64	tcpi_bytes_retrans;
	__u32	tcpi_dsack_dups;
	__u32	tcpi_reord_seen;

	__u32	tcpi_rcv_ooopack;

	__u32	tcpi_snd_wnd;

	/* Linux 6.2. */
	__u32	tcpi_rcv_wnd;
	__u32	tcpi_rehash;

	/* Linux 6.7. */
	__u16	tcpi_total_rto;
	__u16	tcpi_total_rto_recoveries;
	__u32	tcpi_total_rto_time;
};

_Static_assert(sizeof(struct tcp_info) == 248, "Linux 6.7 struct tcp_info is 248 bytes");

#endif
