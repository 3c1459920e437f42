package scan

import "strings"

// popularNPM are widely used npm package names (top downloads), the
// names typosquats imitate.
var popularNPM = strings.Fields(`
lodash react react-dom axios express chalk commander debug moment request tslib typescript webpack
eslint prettier jest mocha chai sinon uuid dotenv yargs minimist semver glob rimraf mkdirp fs-extra
bluebird async underscore jquery vue angular next nuxt svelte rxjs zone.js core-js regenerator-runtime
babel-core babel-loader babel-eslint body-parser cookie-parser cors helmet morgan multer mongoose
mongodb mysql mysql2 pg sequelize redis ioredis knex typeorm prisma graphql apollo-server socket.io
socket.io-client ws node-fetch cross-fetch isomorphic-fetch got superagent cheerio puppeteer
playwright jsdom classnames clsx styled-components emotion tailwindcss postcss autoprefixer sass
node-sass less stylus webpack-cli webpack-dev-server vite rollup esbuild parcel gulp grunt browserify
nodemon concurrently cross-env pm2 forever inquirer ora ansi-styles supports-color strip-ansi
has-flag color-convert escape-string-regexp picocolors colors kleur figlet boxen chokidar micromatch
minimatch fast-glob globby del execa shelljs which cross-spawn signal-exit rxjs ramda immutable
immer redux react-redux redux-thunk redux-saga mobx zustand jotai recoil react-router react-router-dom
react-query swr formik yup zod joi ajv validator jsonwebtoken bcrypt bcryptjs passport crypto-js
node-forge jose uuidv4 nanoid shortid qs query-string querystring url-parse whatwg-url form-data
mime mime-types content-type iconv-lite buffer events util assert path-browserify process stream-browserify
readable-stream string_decoder safe-buffer inherits once wrappy graceful-fs through2 pump
source-map source-map-support terser uglify-js acorn esprima espree estraverse esquery @babel/core
@babel/preset-env @babel/runtime @babel/parser @babel/traverse @babel/types @types/node @types/react
@types/react-dom @types/jest @types/express @typescript-eslint/parser @typescript-eslint/eslint-plugin
eslint-plugin-react eslint-plugin-import eslint-config-airbnb eslint-config-prettier eslint-plugin-prettier
react-scripts create-react-app ts-node ts-jest tsx vitest cypress storybook dayjs date-fns luxon
moment-timezone numeral big.js bignumber.js bn.js decimal.js web3 ethers viem wagmi @solana/web3.js
bitcoinjs-lib elliptic secp256k1 keccak js-sha3 tweetnacl bs58 hdkey bip39 ethereumjs-util
@ethersproject/providers hardhat truffle ganache openzeppelin @openzeppelin/contracts solc
framer-motion @mui/material @mui/icons-material @emotion/react @emotion/styled antd bootstrap
react-bootstrap semantic-ui-react @chakra-ui/react @headlessui/react @heroicons/react lucide-react
react-icons react-hook-form react-select react-toastify react-helmet react-i18next i18next
chart.js recharts d3 three leaflet mapbox-gl highlight.js marked markdown-it dompurify sanitize-html
xml2js fast-xml-parser js-yaml yaml toml ini csv-parse papaparse xlsx pdfkit sharp jimp canvas
nodemailer twilio stripe aws-sdk @aws-sdk/client-s3 firebase firebase-admin googleapis @google-cloud/storage
winston pino bunyan log4js loglevel morgan-body serve-static finalhandler http-proxy http-proxy-middleware
compression express-session connect-redis express-validator express-rate-limit koa koa-router fastify hapi
nestjs @nestjs/core @nestjs/common node-cron cron agenda bull bullmq kafkajs amqplib
openai @anthropic-ai/sdk langchain discord.js telegraf
`)

// popularPyPI are widely used PyPI project names.
var popularPyPI = strings.Fields(`
requests urllib3 certifi charset-normalizer idna setuptools pip wheel six python-dateutil numpy pandas
scipy matplotlib scikit-learn tensorflow torch torchvision keras pillow opencv-python boto3 botocore
s3transfer awscli pyyaml jinja2 markupsafe click flask django fastapi starlette uvicorn gunicorn werkzeug
itsdangerous sqlalchemy psycopg2 psycopg2-binary pymysql redis celery kombu pydantic attrs packaging
pyparsing cryptography cffi pycparser pyopenssl rsa pyasn1 google-auth protobuf grpcio googleapis-common-protos
aiohttp yarl multidict frozenlist httpx httpcore anyio sniffio h11 websockets websocket-client beautifulsoup4
lxml soupsieve html5lib selenium scrapy pytest pluggy coverage tox mock pytz tzdata tqdm colorama rich
typer docopt argparse tabulate termcolor pygments jsonschema simplejson ujson orjson toml tomli pyjwt
bcrypt paramiko fabric invoke ansible docker kubernetes openai anthropic langchain transformers tokenizers
huggingface-hub datasets nltk spacy gensim xgboost lightgbm seaborn plotly dash streamlit jupyter notebook
ipython ipykernel web3 eth-account eth-utils solana base58 pycryptodome pynacl ecdsa mnemonic
python-dotenv loguru black flake8 pylint mypy isort poetry virtualenv filelock platformdirs
`)

// popularScopes are npm scopes typosquats imitate (@babe1/core).
var popularScopes = strings.Fields(`@babel @types @angular @vue @nestjs @aws-sdk @testing-library @emotion @mui
@reduxjs @tanstack @typescript-eslint @next @vercel @sveltejs @rollup @esbuild @swc @jest @react-native
@solana @ethersproject @openzeppelin @chakra-ui @headlessui @heroicons @google-cloud @azure @firebase
@apollo @graphql-tools @storybook @vitejs @nuxt @prisma @sentry @octokit @radix-ui @anthropic-ai @metamask
@walletconnect @uniswap @coinbase @web3-react @wagmi`)

// legitNearNames are real, widely used packages one edit away from a
// popular name (measured on the node_modules of popular packages), which
// are not typosquats.
var legitNearNames = strings.Fields(`
preact reacts react-is redux-form koa2 pino-std mime-db mimic-fn color-name colord globals glob-parent
minimist-options semver-compare debug-log ms mkdirp-classic once-ext util-deprecate utils utila
events-to-array pumpify through typescript-estree estree-walker esquery eslint-scope eslint-visitor-keys
espree esprima-next acorn-jsx acorn-walk ajv-keywords ajv-formats chalk-template ansi-regex ansi-colors
cors-anywhere yaml-ast-parser js-tokens json5 nanoid-cjs dayjs-plugin ioredis-mock pg-pool pg-types
mysqljs http-errors body-parser-xml qs-stringify mime-format stream-http has-flags inherits-browser
path-parse path-key path-type which-typed-array graceful-readlink fast-diff del-cli ws-client
async-each assert-plus buffer-xor events-intercept process-nextick-args uuid-js terser-webpack-plugin
jest-cli jest-util jest-mock zod-to-json-schema joi-browser got-fetch ora-classic knex-utils
urllib3-secure-extra six-moves pip-tools click-log rich-click tox-gh attrs-strict mock-open
safer-buffer color stylis jsdoc eclint tslib-es6 lodash-es react-dom-factories ethers-v5 clsx-lite tsx-dom vitest-dom sass-loader less-loader
postcss-js next-tick gulp-util pg-cursor redis-parser colors-cli webpack-merge xlsx-js hapi-auth
`)

// suspiciousSuffixes are the suffixes Contagious Interview packages
// added to a popular name (react-plaid-sdk, framer-motion-ext,
// lucide-node, chalk-config).
var suspiciousSuffixes = []string{"-ext", "-sdk", "-node", "-config", "-logger", "-loggers", "-websdk"}
