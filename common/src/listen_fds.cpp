// Implementation pending: see common/include/common/listen_fds.hpp
