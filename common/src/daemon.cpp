// Implementation pending: see common/include/common/daemon.hpp
