// setns() is declared by glibc only under _GNU_SOURCE, which must not leak into the umbrella
// header (see CSockDiag.h), so its wrapper lives here.
#define _GNU_SOURCE
#include <sched.h>
#include <dirent.h>
#include <stddef.h>

#include "CSockDiag.h"

#ifdef __linux__
// The kernel's own header may be included here: this file is never imported into Swift.
#include <linux/tcp.h>

int csd_setns_net(int fd) { return setns(fd, CLONE_NEWNET); }

long csd_getdents64(int fd, void *buffer, unsigned long count) { return getdents64(fd, buffer, count); }

#include <sys/syscall.h>
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

int csd_pidfd_open(int pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int csd_pidfd_getfd(int pidfd, int fd) { return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0); }

#include <sys/prctl.h>

int csd_prctl_set_name(const char *name) { return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0); }

int csd_prctl_set_parent_death_signal(int signal) { return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0); }

#include <spawn.h>

int csd_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int csd_spawn_file_actions_closefrom(void *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np((posix_spawn_file_actions_t *)actions, from);
}

// csd_tcp_info must stay a faithful prefix of the kernel's struct tcp_info: every field at the
// kernel's offset (the two bytes of bit-fields, which offsetof cannot name, lie between tcpi_options
// and tcpi_rto, both checked) and no longer than it. Newer kernels append fields (Linux 6.2:
// tcpi_rcv_wnd, tcpi_rehash; 6.7: tcpi_total_rto...), so the kernel's struct may be longer, never
// shorter: scripts/ci/tcp-info-layouts.sh compiles this file against such a layout.
#define CSD_SAME_OFFSET(field) \
    _Static_assert(offsetof(struct csd_tcp_info, field) == offsetof(struct tcp_info, field), #field)
CSD_SAME_OFFSET(tcpi_state);
CSD_SAME_OFFSET(tcpi_ca_state);
CSD_SAME_OFFSET(tcpi_retransmits);
CSD_SAME_OFFSET(tcpi_probes);
CSD_SAME_OFFSET(tcpi_backoff);
CSD_SAME_OFFSET(tcpi_options);
CSD_SAME_OFFSET(tcpi_rto);
CSD_SAME_OFFSET(tcpi_ato);
CSD_SAME_OFFSET(tcpi_snd_mss);
CSD_SAME_OFFSET(tcpi_rcv_mss);
CSD_SAME_OFFSET(tcpi_unacked);
CSD_SAME_OFFSET(tcpi_sacked);
CSD_SAME_OFFSET(tcpi_lost);
CSD_SAME_OFFSET(tcpi_retrans);
CSD_SAME_OFFSET(tcpi_fackets);
CSD_SAME_OFFSET(tcpi_last_data_sent);
CSD_SAME_OFFSET(tcpi_last_ack_sent);
CSD_SAME_OFFSET(tcpi_last_data_recv);
CSD_SAME_OFFSET(tcpi_last_ack_recv);
CSD_SAME_OFFSET(tcpi_pmtu);
CSD_SAME_OFFSET(tcpi_rcv_ssthresh);
CSD_SAME_OFFSET(tcpi_rtt);
CSD_SAME_OFFSET(tcpi_rttvar);
CSD_SAME_OFFSET(tcpi_snd_ssthresh);
CSD_SAME_OFFSET(tcpi_snd_cwnd);
CSD_SAME_OFFSET(tcpi_advmss);
CSD_SAME_OFFSET(tcpi_reordering);
CSD_SAME_OFFSET(tcpi_rcv_rtt);
CSD_SAME_OFFSET(tcpi_rcv_space);
CSD_SAME_OFFSET(tcpi_total_retrans);
CSD_SAME_OFFSET(tcpi_pacing_rate);
CSD_SAME_OFFSET(tcpi_max_pacing_rate);
CSD_SAME_OFFSET(tcpi_bytes_acked);
CSD_SAME_OFFSET(tcpi_bytes_received);
CSD_SAME_OFFSET(tcpi_segs_out);
CSD_SAME_OFFSET(tcpi_segs_in);
CSD_SAME_OFFSET(tcpi_notsent_bytes);
CSD_SAME_OFFSET(tcpi_min_rtt);
CSD_SAME_OFFSET(tcpi_data_segs_in);
CSD_SAME_OFFSET(tcpi_data_segs_out);
CSD_SAME_OFFSET(tcpi_delivery_rate);
CSD_SAME_OFFSET(tcpi_busy_time);
CSD_SAME_OFFSET(tcpi_rwnd_limited);
CSD_SAME_OFFSET(tcpi_sndbuf_limited);
CSD_SAME_OFFSET(tcpi_delivered);
CSD_SAME_OFFSET(tcpi_delivered_ce);
CSD_SAME_OFFSET(tcpi_bytes_sent);
CSD_SAME_OFFSET(tcpi_bytes_retrans);
CSD_SAME_OFFSET(tcpi_dsack_dups);
CSD_SAME_OFFSET(tcpi_reord_seen);
CSD_SAME_OFFSET(tcpi_rcv_ooopack);
CSD_SAME_OFFSET(tcpi_snd_wnd);
_Static_assert(sizeof(struct csd_tcp_info) <= sizeof(struct tcp_info), "csd_tcp_info longer than tcp_info");
#endif
