"""The public face of ``desktop_app.replicate``, written once.

The type checker reads these imports; ``__init__.py`` reads this file to load each name from its module on first
use. Code outside replicate/ imports only these names (an import-linter contract in pyproject.toml keeps it so).
Adding a name is one line here; the modules behind them stay private.
"""

# The catalogue: search, collections, model cards, covers, and their cache on disk
from .catalogue import CollectionSummary as CollectionSummary
from .catalogue import ModelCard as ModelCard
from .catalogue import ModelSummary as ModelSummary
from .catalogue import get_collection as get_collection
from .catalogue import get_model_card as get_model_card
from .catalogue import list_collections as list_collections
from .catalogue import search_models as search_models
from .catalogue_cache import CatalogueCache as CatalogueCache
from .catalogue_cache import cached_cover as cached_cover

# The client: the only place that speaks HTTP to Replicate
from .client import DEFAULT_BASE_URL as DEFAULT_BASE_URL
from .client import ReplicateClient as ReplicateClient
from .client import Sleep as Sleep

# Local Cog servers
from .cog import CogBackend as CogBackend
from .cog import describe_capabilities as describe_capabilities
from .cog_errors import CogHealth as CogHealth
from .cog_errors import CogNotReady as CogNotReady
from .cog_errors import CogSetupFailed as CogSetupFailed

# A create as run_prediction sends it, for a create step that paces it (the job queue); cancelling by id
from .create import CreateCall as CreateCall
from .create import CreateStep as CreateStep
from .create import cancel_prediction as cancel_prediction

# Deadlines: Cancel-After, checked locally, and the endings it explains
from .deadline import AbortedBeforeStart as AbortedBeforeStart
from .deadline import CanceledAtDeadline as CanceledAtDeadline
from .deadline import DeadlineError as DeadlineError
from .deadline import parse_deadline as parse_deadline

# Errors: each a ReplicateError whose message is a sentence a person can read
from .errors import APIError as APIError
from .errors import AuthenticationError as AuthenticationError
from .errors import BillingRequiredError as BillingRequiredError
from .errors import ConfigurationError as ConfigurationError
from .errors import EmptyPromptError as EmptyPromptError
from .errors import MalformedPrediction as MalformedPrediction
from .errors import MissingTokenError as MissingTokenError
from .errors import NetworkError as NetworkError
from .errors import NotFoundError as NotFoundError
from .errors import PredictionAborted as PredictionAborted
from .errors import PredictionCanceled as PredictionCanceled
from .errors import PredictionError as PredictionError
from .errors import PredictionFailed as PredictionFailed
from .errors import PredictionTimeout as PredictionTimeout
from .errors import RateLimitedError as RateLimitedError
from .errors import ReplicateError as ReplicateError
from .errors import ServerError as ServerError
from .errors import UnexpectedResponse as UnexpectedResponse
from .errors import UnknownModelError as UnknownModelError
from .errors import UnsafeOutputURLError as UnsafeOutputURLError
from .errors import ValidationError as ValidationError
from .errors import scrub as scrub

# The events a prediction yields
from .events import Completed as Completed
from .events import ImageResponse as ImageResponse
from .events import LogsAppended as LogsAppended
from .events import PredictionEvent as PredictionEvent
from .events import Progress as Progress
from .events import Started as Started
from .events import TextDelta as TextDelta
from .events import TextReplaced as TextReplaced

# Outputs: downloading what a prediction made (into memory, or streamed to a file)
from .files import DownloadedFile as DownloadedFile
from .files import DownloadProgress as DownloadProgress
from .files import SavedDownload as SavedDownload
from .files import download_output as download_output
from .files import download_to_file as download_to_file

# The seed facade: ReplicateHome.create_async_generator, and generate()
from .generator import AsyncResult as AsyncResult
from .generator import ReplicateHome as ReplicateHome
from .generator import generate as generate
from .input_values import coerce_values as coerce_values
from .input_values import validate_input as validate_input

# A create whose answer was lost (or that was stopped during its hold): found among recent predictions
from .lost_create import SentCreate as SentCreate
from .lost_create import claim_prediction as claim_prediction
from .lost_create import find_lost_prediction as find_lost_prediction

# What each model returns, read from its schema (cached in memory and, through a SchemaStore, on disk)
from .model_schemas import ModelSchemas as ModelSchemas
from .model_schemas import ModelTarget as ModelTarget
from .model_schemas import SchemaStore as SchemaStore

# Models by name: aliases, owner/name[:version], local Cog servers as cog:http://host:port
from .models import ALIASES as ALIASES
from .models import BUILTIN_MODELS as BUILTIN_MODELS
from .models import COG_PREFIX as COG_PREFIX
from .models import ModelInfo as ModelInfo
from .models import ModelKind as ModelKind
from .models import ModelRef as ModelRef
from .models import builtin_info as builtin_info
from .models import canonical_model as canonical_model
from .models import get_model as get_model
from .models import is_cog_reference as is_cog_reference
from .models import kind_of as kind_of
from .models import known_kind as known_kind
from .models import parse_model as parse_model

# Models you own: the account's name, finding a model, creating one to train into
from .own_models import AccountName as AccountName
from .own_models import ModelNameTaken as ModelNameTaken
from .own_models import NotYourModel as NotYourModel
from .own_models import account_name as account_name
from .own_models import check_hardware as check_hardware
from .own_models import create_model as create_model
from .own_models import find_model as find_model

# Prediction objects from the API, checked and typed
from .parse import parse_prediction as parse_prediction

# How a prediction is followed (wait window, attempts, delays)
from .policy import APP_POLICY as APP_POLICY
from .policy import FollowPolicy as FollowPolicy

# One polling budget for the whole app (at most 10 polls a second, many predictions per list request)
from .poll_budget import PollBudget as PollBudget

# Running and resuming predictions
from .predictions import resume_prediction as resume_prediction
from .predictions import run_prediction as run_prediction

# Chat messages and the prompt built from them
from .prompts import Message as Message
from .prompts import build_prompt as build_prompt
from .prompts import format_prompt as format_prompt

# A model's inputs (what the parameter form shows and checks)
from .schema import FieldSpec as FieldSpec
from .schema import FileClass as FileClass
from .schema import InputSchema as InputSchema
from .schema import classify_file as classify_file
from .schema import parse_input_schema as parse_input_schema

# Trainings: the trainer's version and its form, create/get/list/cancel, follow and resume as typed events
from .training_events import TrainingCompleted as TrainingCompleted
from .training_events import TrainingEvent as TrainingEvent
from .training_events import TrainingLogs as TrainingLogs
from .training_events import TrainingProgress as TrainingProgress
from .training_events import TrainingStarted as TrainingStarted
from .training_follow import TrainingFollow as TrainingFollow
from .training_follow import follow_training as follow_training
from .training_follow import run_training as run_training
from .training_objects import DestinationRef as DestinationRef
from .training_objects import MalformedTraining as MalformedTraining
from .training_objects import TrainerRef as TrainerRef
from .training_objects import TrainingCanceled as TrainingCanceled
from .training_objects import TrainingError as TrainingError
from .training_objects import TrainingFailed as TrainingFailed
from .training_objects import TrainingResult as TrainingResult
from .training_objects import TrainingTimeout as TrainingTimeout
from .training_objects import parse_destination as parse_destination
from .training_objects import parse_trainer as parse_trainer
from .training_objects import parse_training as parse_training
from .training_objects import training_result as training_result
from .trainings import DestinationMissing as DestinationMissing
from .trainings import NotATrainer as NotATrainer
from .trainings import Trainer as Trainer
from .trainings import cancel_training as cancel_training
from .trainings import create_training as create_training
from .trainings import get_trainer as get_trainer
from .trainings import get_training as get_training
from .trainings import list_trainings as list_trainings
from .trainings import trained_destinations as trained_destinations
from .trainings import training_input_schema as training_input_schema

# Uploading a file once (by its SHA-256), streamed from disk with progress
from .upload_once import upload_file_once as upload_file_once

# Input files: data: URIs for small ones, the Files API for large ones
from .uploads import INLINE_LIMIT as INLINE_LIMIT
from .uploads import MAX_UPLOAD_BYTES as MAX_UPLOAD_BYTES
from .uploads import UploadedFile as UploadedFile
from .uploads import UploadTooLarge as UploadTooLarge
from .uploads import file_input_value as file_input_value
from .uploads import upload_path as upload_path
