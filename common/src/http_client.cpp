// Implementation pending: see common/include/common/http_client.hpp
