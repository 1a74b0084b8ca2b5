// Kernel headers for NETLINK_SOCK_DIAG / inet_diag, and static inline wrappers for their
// function-like macros, which Swift cannot import. No logic, no allocation.
#ifndef C_SOCK_DIAG_H
#define C_SOCK_DIAG_H

#ifdef __linux__
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  // setns() and CLONE_NEWNET
#endif
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/xattr.h>
#include <sys/resource.h>
#include <sched.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
// Only the kernel's <linux/tcp.h>: glibc's <netinet/tcp.h> defines a second `struct tcp_info`
// and importing both into Swift fails to compile.
#include <linux/tcp.h>

static inline uint32_t csd_nlmsg_align(uint32_t len) { return NLMSG_ALIGN(len); }
static inline uint32_t csd_nlmsg_hdrlen(void) { return NLMSG_HDRLEN; }
static inline uint32_t csd_nlmsg_length(uint32_t len) { return NLMSG_LENGTH(len); }
static inline uint32_t csd_rta_align(uint32_t len) { return RTA_ALIGN(len); }
static inline uint32_t csd_rta_length(uint32_t len) { return RTA_LENGTH(len); }

/// Enters the network namespace behind `fd` for the calling thread (CLONE_NEWNET).
static inline int csd_setns_net(int fd) { return setns(fd, CLONE_NEWNET); }

_Static_assert(sizeof(struct nlmsghdr) == 16, "nlmsghdr layout");
_Static_assert(sizeof(struct inet_diag_req_v2) == 56, "inet_diag_req_v2 layout");
_Static_assert(sizeof(struct inet_diag_msg) == 72, "inet_diag_msg layout");
_Static_assert(sizeof(struct inet_diag_sockid) == 48, "inet_diag_sockid layout");
_Static_assert(sizeof(struct rtattr) == 4, "rtattr layout");
#endif

#endif
