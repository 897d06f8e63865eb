// Implementation pending: see common/include/common/notify.hpp
