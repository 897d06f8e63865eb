// Implementation pending: see common/include/common/json.hpp
