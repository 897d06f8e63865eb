// Implementation pending: see common/include/common/ipc_server.hpp
