#pragma once
// The kernel file systems PID 1 needs before anything else: /proc, /sys,
// /dev (devtmpfs), /run and /tmp (tmpfs, RAM only: there is no disk), and
// securityfs (the TPM event log lives there).

#include "common/error.hpp"

namespace init {

// Mounts each; one already mounted counts as done.
common::Status mount_filesystems();

// When the kernel found no /dev/console in the initramfs, fds 0-2 are
// closed; reopen them on the console once devtmpfs is mounted.
void attach_console();

}  // namespace init
