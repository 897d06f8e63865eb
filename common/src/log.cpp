// Implementation pending: see common/include/common/log.hpp
