// Implementation pending: see common/include/common/ipc_client.hpp
