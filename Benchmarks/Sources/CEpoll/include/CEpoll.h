// epoll for Swift: Glibc's module map does not export <sys/epoll.h>.
#pragma once
#include <sys/epoll.h>
