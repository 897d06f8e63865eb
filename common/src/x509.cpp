// Implementation pending: see common/include/common/x509.hpp
