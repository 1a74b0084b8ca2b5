// Kernel headers for NETLINK_SOCK_DIAG / inet_diag, and static inline wrappers for their
// function-like macros, which Swift cannot import. No logic, no allocation.
#ifndef C_SOCK_DIAG_H
#define C_SOCK_DIAG_H

#ifdef __linux__
// No _GNU_SOURCE here: Swift's Glibc module is built without it, and a header that defines it
// gives glibc types (fd_set, __rusage_who) a second, different definition that Swift rejects.
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/xattr.h>
#include <sys/resource.h>
#include <dirent.h>
#include <malloc.h>
#include <fcntl.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
// CLONE_NEWNET without _GNU_SOURCE (glibc declares it in <sched.h> only under _GNU_SOURCE).
#include <linux/sched.h>
// Not <linux/tcp.h>: Swift's Glibc module already includes glibc's <netinet/tcp.h>, which defines a
// second, different `struct tcp_info` (and tcphdr, tcp_md5sig...), and a module that sees both fails
// to compile. `struct csd_tcp_info` below is a prefixed copy of the kernel's `struct tcp_info`.

/// The kernel's `struct tcp_info` from <linux/tcp.h> (Linux 6.1 uapi), under a prefixed name.
///
/// shim.c asserts every field offset against the kernel header, and that this struct is no longer
/// than the kernel's: newer kernels append fields (6.2, 6.7), so newer headers' struct is longer.
/// The kernel sends a tcp_info of its own length in INET_DIAG_INFO; copy min(length, sizeof) into
/// a zeroed value.
struct csd_tcp_info {
    __u8 tcpi_state;
    __u8 tcpi_ca_state;
    __u8 tcpi_retransmits;
    __u8 tcpi_probes;
    __u8 tcpi_backoff;
    __u8 tcpi_options;
    __u8 tcpi_snd_wscale : 4, tcpi_rcv_wscale : 4;
    __u8 tcpi_delivery_rate_app_limited : 1, tcpi_fastopen_client_fail : 2;
    __u32 tcpi_rto;
    __u32 tcpi_ato;
    __u32 tcpi_snd_mss;
    __u32 tcpi_rcv_mss;
    __u32 tcpi_unacked;
    __u32 tcpi_sacked;
    __u32 tcpi_lost;
    __u32 tcpi_retrans;
    __u32 tcpi_fackets;
    __u32 tcpi_last_data_sent;
    __u32 tcpi_last_ack_sent;
    __u32 tcpi_last_data_recv;
    __u32 tcpi_last_ack_recv;
    __u32 tcpi_pmtu;
    __u32 tcpi_rcv_ssthresh;
    __u32 tcpi_rtt;
    __u32 tcpi_rttvar;
    __u32 tcpi_snd_ssthresh;
    __u32 tcpi_snd_cwnd;
    __u32 tcpi_advmss;
    __u32 tcpi_reordering;
    __u32 tcpi_rcv_rtt;
    __u32 tcpi_rcv_space;
    __u32 tcpi_total_retrans;
    __u64 tcpi_pacing_rate;
    __u64 tcpi_max_pacing_rate;
    __u64 tcpi_bytes_acked;
    __u64 tcpi_bytes_received;
    __u32 tcpi_segs_out;
    __u32 tcpi_segs_in;
    __u32 tcpi_notsent_bytes;
    __u32 tcpi_min_rtt;
    __u32 tcpi_data_segs_in;
    __u32 tcpi_data_segs_out;
    __u64 tcpi_delivery_rate;
    __u64 tcpi_busy_time;
    __u64 tcpi_rwnd_limited;
    __u64 tcpi_sndbuf_limited;
    __u32 tcpi_delivered;
    __u32 tcpi_delivered_ce;
    __u64 tcpi_bytes_sent;
    __u64 tcpi_bytes_retrans;
    __u32 tcpi_dsack_dups;
    __u32 tcpi_reord_seen;
    __u32 tcpi_rcv_ooopack;
    __u32 tcpi_snd_wnd;
};

static inline uint32_t csd_nlmsg_align(uint32_t len) { return NLMSG_ALIGN(len); }
static inline uint32_t csd_nlmsg_hdrlen(void) { return NLMSG_HDRLEN; }
static inline uint32_t csd_nlmsg_length(uint32_t len) { return NLMSG_LENGTH(len); }
static inline uint32_t csd_rta_align(uint32_t len) { return RTA_ALIGN(len); }
static inline uint32_t csd_rta_length(uint32_t len) { return RTA_LENGTH(len); }

/// Enters the network namespace behind `fd` for the calling thread: `setns(fd, CLONE_NEWNET)`.
///
/// Defined in shim.c, which alone sees _GNU_SOURCE (glibc declares setns only under it).
int csd_setns_net(int fd);

_Static_assert(sizeof(struct nlmsghdr) == 16, "nlmsghdr layout");
_Static_assert(sizeof(struct inet_diag_req_v2) == 56, "inet_diag_req_v2 layout");
_Static_assert(sizeof(struct inet_diag_msg) == 72, "inet_diag_msg layout");
_Static_assert(sizeof(struct inet_diag_sockid) == 48, "inet_diag_sockid layout");
_Static_assert(sizeof(struct rtattr) == 4, "rtattr layout");
_Static_assert(sizeof(struct csd_tcp_info) == 232, "csd_tcp_info layout (Linux 6.1 uapi tcp_info)");
/// getdents64(2), which glibc declares only under _GNU_SOURCE; defined in shim.c.
long csd_getdents64(int fd, void *buffer, unsigned long count);
/// pidfd_open(2) (Linux 5.3) through syscall(2), which Swift cannot call (variadic); -1 and errno.
int csd_pidfd_open(int pid);
/// pidfd_getfd(2) (Linux 5.6): a duplicate of another process's fd, with O_CLOEXEC; -1 and errno.
int csd_pidfd_getfd(int pidfd, int fd);
/// prctl(PR_SET_NAME, name): the calling thread's comm, 15 characters; prctl is variadic. -1 and errno.
int csd_prctl_set_name(const char *name);
/// prctl(PR_SET_PDEATHSIG, signal): the signal this process gets when its parent thread exits.
int csd_prctl_set_parent_death_signal(int signal);
/// pipe2(fds, O_CLOEXEC), which glibc declares only under _GNU_SOURCE; defined in shim.c.
int csd_pipe_cloexec(int fds[2]);
/// posix_spawn_file_actions_addclosefrom_np (glibc 2.34, _GNU_SOURCE only): close every fd from
/// `from` up in the child, whatever its FD_CLOEXEC flag; defined in shim.c.
int csd_spawn_file_actions_closefrom(void *actions, int from);
#endif

#endif
