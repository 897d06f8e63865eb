// Implementation pending: see common/include/common/crypto.hpp
