// Implementation pending: see common/include/common/https_server.hpp
