module github.com/hookfront/hookfront

go 1.26.8

require github.com/hashicorp/golang-lru/v2 v2.0.7

require go.yaml.in/yaml/v3 v3.0.6 // indirect
