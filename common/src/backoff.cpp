// Implementation pending: see common/include/common/backoff.hpp
