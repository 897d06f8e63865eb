// Implementation pending: see common/include/common/ipc_frame.hpp
