// Implementation pending: see common/include/common/error.hpp
