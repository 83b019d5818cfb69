module github.com/gomistral/gomistral

go 1.26

require (
	github.com/ollama/ollama v0.17.4
	github.com/stretchr/testify v1.12.1
	golang.org/x/sys v0.37.0
	google.golang.org/protobuf v1.36.12
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
