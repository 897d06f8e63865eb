// Implementation pending: see common/include/common/ipc_contracts.hpp
